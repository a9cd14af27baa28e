import type { Cursor } from './cursor.js';
import type { FetchItem, Section, SectionText, SimpleFetchItem } from './types.js';

const SIMPLE = new Set<SimpleFetchItem>([
  'FLAGS',
  'UID',
  'RFC822.SIZE',
  'INTERNALDATE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'BODY',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
  'MODSEQ',
  'EMAILID',
  'THREADID',
  'SAVEDATE',
]);

const MACROS: Record<string, SimpleFetchItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const MAX_PART_DEPTH = 64;
const MAX_FIELDS = 500;

function sectionText(c: Cursor, allowMime: boolean): { text: SectionText; fields: string[] } {
  const start = c.pos;
  while (!c.eof() && /[A-Za-z.]/.test(String.fromCharCode(c.peek()))) c.pos++;
  const word = c.buf.toString('latin1', start, c.pos).toUpperCase();
  if (word === 'HEADER' || word === 'TEXT' || (word === 'MIME' && allowMime)) return { text: word, fields: [] };
  if (word === 'HEADER.FIELDS' || word === 'HEADER.FIELDS.NOT') {
    c.sp();
    c.expect('(');
    const fields: string[] = [];
    for (;;) {
      const field = c.astring();
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(field)) c.fail('invalid header field name');
      fields.push(field);
      if (fields.length > MAX_FIELDS) c.fail('too many header fields');
      if (c.tryChar(')')) break;
      c.sp();
    }
    return { text: word, fields };
  }
  c.fail('invalid section');
}

/** section = "[" [section-spec] "]" ; the "[" is already consumed */
export function parseSection(c: Cursor): Section {
  const section: Section = { part: [], text: null, fields: [] };
  if (c.tryChar(']')) return section;
  const first = c.peek();
  if (first >= 0x30 && first <= 0x39) {
    for (;;) {
      section.part.push(c.nzNumber());
      if (section.part.length > MAX_PART_DEPTH) c.fail('section part too deep');
      if (!c.tryChar('.')) break;
      const next = c.peek();
      if (next < 0x30 || next > 0x39) {
        Object.assign(section, sectionText(c, true));
        break;
      }
    }
  } else {
    Object.assign(section, sectionText(c, false));
  }
  c.expect(']');
  return section;
}

function fetchAtt(c: Cursor): FetchItem {
  const name = c.atomUntil(0x5b).toUpperCase();
  if (c.peek() === 0x5b && (name === 'BODY' || name === 'BODY.PEEK')) {
    c.pos++;
    const section = parseSection(c);
    let partial: { start: number; length: number } | null = null;
    if (c.tryChar('<')) {
      const start = c.number();
      c.expect('.');
      const length = c.nzNumber();
      c.expect('>');
      partial = { start, length };
    }
    return { kind: 'BODY[]', peek: name === 'BODY.PEEK', section, partial };
  }
  if (c.peek() === 0x5b && (name === 'BINARY' || name === 'BINARY.PEEK' || name === 'BINARY.SIZE')) {
    // RFC 3516: section-binary = "[" [section-part] "]", a partial only on BINARY[.PEEK]
    c.pos++;
    const section = parseSection(c);
    if (section.text !== null) c.fail('BINARY takes part numbers only');
    let partial: { start: number; length: number } | null = null;
    if (name !== 'BINARY.SIZE' && c.tryChar('<')) {
      const start = c.number();
      c.expect('.');
      const length = c.nzNumber();
      c.expect('>');
      partial = { start, length };
    }
    return { kind: 'BODY[]', peek: name !== 'BINARY', section, partial, binary: name === 'BINARY.SIZE' ? 'size' : 'content' };
  }
  if (!SIMPLE.has(name as SimpleFetchItem)) c.fail(`unknown FETCH item ${name.slice(0, 40)}`);
  return { kind: name as SimpleFetchItem };
}

/** The FETCH item part: a macro, one item, or a parenthesised list. */
export function parseFetchItems(c: Cursor): FetchItem[] {
  if (c.tryChar('(')) {
    const items: FetchItem[] = [];
    for (;;) {
      items.push(fetchAtt(c));
      if (items.length > 1000) c.fail('too many FETCH items');
      if (c.tryChar(')')) return items;
      c.sp();
    }
  }
  for (const macro of Object.keys(MACROS)) {
    if (c.isKeyword(macro)) {
      c.pos += macro.length;
      return MACROS[macro]!.map((kind) => ({ kind }));
    }
  }
  return [fetchAtt(c)];
}

/** The name a FETCH response uses for a body section: BODY[1.2.HEADER.FIELDS (A B)]<0> */
export function formatSection(section: Section): string {
  const parts: string[] = [];
  if (section.part.length) parts.push(section.part.join('.'));
  if (section.text) parts.push(section.text);
  let spec = parts.join('.');
  if (section.text === 'HEADER.FIELDS' || section.text === 'HEADER.FIELDS.NOT') {
    spec += ' (' + section.fields.map((f) => f.toUpperCase()).join(' ') + ')';
  }
  return `[${spec}]`;
}
