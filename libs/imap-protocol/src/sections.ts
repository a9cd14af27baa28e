import type { ImapBodyPart } from './body-structure.js';
import type { Section } from './types.js';

/** What a FETCH body section means in bytes of the raw message. */
export type SectionPlan =
  /** bytes [start, end) of the message */
  | { kind: 'range'; start: number; end: number }
  /** read the header block [start, end) and keep (or drop, `not`) the named fields */
  | { kind: 'header-fields'; start: number; end: number; fields: string[]; not: boolean }
  /** a part that does not exist: an empty string */
  | { kind: 'empty' };

export interface SectionSource {
  size: number;
  /** length of the top-level header block including the blank line */
  headerSize: number;
  /** needed only for sections with part numbers */
  body?: ImapBodyPart;
}

function encapsulated(part: ImapBodyPart): ImapBodyPart | null {
  const isRfc822 = part.type.toLowerCase() === 'message' && part.subtype.toLowerCase() === 'rfc822';
  return isRfc822 && part.message ? part.message.body : null;
}

/**
 * RFC 3501 6.4.5 part numbering: numbers index a multipart's children; a non-multipart body is its
 * own part 1; after a message/rfc822 part the numbers continue in the encapsulated message.
 */
export function findPart(root: ImapBodyPart, path: number[]): ImapBodyPart | null {
  let current = root;
  for (let i = 0; i < path.length; i++) {
    const n = path[i];
    const container = i === 0 ? root : (encapsulated(current) ?? (current.parts ? current : null));
    if (!container) return null;
    if (container.parts) {
      const next = container.parts[n - 1];
      if (!next) return null;
      current = next;
    } else if (n === 1) {
      current = container;
    } else {
      return null;
    }
  }
  return current;
}

/** True when the section needs the body structure (part numbers) to be resolved. */
export function sectionNeedsStructure(section: Section): boolean {
  return section.part.length > 0;
}

function headerOrText(section: Section, headerStart: number, bodyStart: number, end: number): SectionPlan {
  switch (section.text) {
    case 'HEADER':
      return { kind: 'range', start: headerStart, end: bodyStart };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      return { kind: 'header-fields', start: headerStart, end: bodyStart, fields: section.fields, not: section.text === 'HEADER.FIELDS.NOT' };
    case 'TEXT':
      return { kind: 'range', start: bodyStart, end };
    default:
      return { kind: 'range', start: headerStart, end };
  }
}

/** Resolves a section to bytes of the raw message; the caller applies <partial> with applyPartial. */
export function planSection(section: Section, msg: SectionSource): SectionPlan {
  if (!section.part.length) return headerOrText(section, 0, msg.headerSize, msg.size);
  const part = msg.body ? findPart(msg.body, section.part) : null;
  if (!part) return { kind: 'empty' };
  if (section.text === null) return { kind: 'range', start: part.bodyStart, end: part.bodyEnd };
  if (section.text === 'MIME') return { kind: 'range', start: part.headerStart, end: part.bodyStart };
  const inner = encapsulated(part);
  if (!inner) return { kind: 'empty' };
  return headerOrText(section, inner.headerStart, inner.bodyStart, inner.bodyEnd);
}

/** Clips a byte range to <start.length>; the response names the origin. */
export function applyPartial(start: number, end: number, partial: { start: number; length: number } | null): { start: number; end: number } {
  if (!partial) return { start, end };
  const s = Math.min(start + partial.start, end);
  return { start: s, end: Math.min(s + partial.length, end) };
}

/**
 * BODY[HEADER.FIELDS (...)] / (.NOT): the matching fields byte for byte (folded lines kept),
 * followed by the blank line IMAP includes.
 */
export function filterHeaderFields(header: Buffer, fields: string[], not: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const out: Buffer[] = [];
  let fieldStart = -1;
  let keep = false;
  const close = (end: number) => {
    if (fieldStart >= 0 && keep) {
      out.push(header.subarray(fieldStart, end));
      if (header[end - 1] !== 0x0a) out.push(Buffer.from('\r\n'));
    }
  };
  let pos = 0;
  while (pos < header.length) {
    const lf = header.indexOf(0x0a, pos);
    const lineEnd = lf < 0 ? header.length : lf + 1;
    const first = header[pos];
    const blank = first === 0x0d || first === 0x0a;
    if (blank) break; // the blank line ends the header block
    if (first !== 0x20 && first !== 0x09) {
      close(pos);
      fieldStart = pos;
      const colon = header.indexOf(0x3a, pos);
      const name = colon >= 0 && colon < lineEnd ? header.toString('latin1', pos, colon).trim().toLowerCase() : '';
      keep = wanted.has(name) !== not && name !== '';
    }
    pos = lineEnd;
  }
  close(pos);
  out.push(Buffer.from('\r\n'));
  return Buffer.concat(out);
}
