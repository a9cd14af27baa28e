/** A "value; name=param; ..." header (Content-Type, Content-Disposition) split into its pieces. */
export interface StructuredHeader {
  value: string;
  params: [string, string][];
}

/** Skips a (possibly nested) comment starting at s[i] === '('; returns the index after it. */
function skipComment(s: string, i: number): number {
  let depth = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return s.length;
}

/** Reads a quoted string starting at s[i] === '"'; an unterminated one runs to the end. */
function readQuoted(s: string, i: number): { text: string; next: number } {
  let text = '';
  for (i++; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) text += s[++i];
    else if (c === '"') return { text, next: i + 1 };
    else text += c;
  }
  return { text, next: s.length };
}

/** Removes comments outside quoted strings and trims. */
export function stripComments(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === '(') i = skipComment(s, i);
    else if (c === '"') {
      const q = readQuoted(s, i);
      out += s.slice(i, q.next);
      i = q.next;
    } else {
      out += c;
      i++;
    }
  }
  return out.trim();
}

/** Reads until one of the stop characters outside comments/quotes; comments dropped, quotes kept raw. */
function readUntil(s: string, i: number, stops: string): { text: string; next: number } {
  let text = '';
  while (i < s.length && !stops.includes(s[i])) {
    const c = s[i];
    if (c === '(') i = skipComment(s, i);
    else if (c === '"') {
      const q = readQuoted(s, i);
      text += s.slice(i, q.next);
      i = q.next;
    } else {
      text += c;
      i++;
    }
  }
  return { text, next: i };
}

function parseRawParams(s: string, i: number): [string, string][] {
  const params: [string, string][] = [];
  while (i < s.length) {
    if (s[i] === ';' || s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '(') {
      i = skipComment(s, i);
      continue;
    }
    const name = readUntil(s, i, '=;');
    i = name.next;
    const key = name.text.trim();
    if (s[i] !== '=') {
      // "; foo;" carries no value: skip it, as every mail reader does
      continue;
    }
    i++;
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '(')) {
      i = s[i] === '(' ? skipComment(s, i) : i + 1;
    }
    let value: string;
    if (s[i] === '"') {
      const q = readQuoted(s, i);
      value = q.text;
      i = readUntil(s, q.next, ';').next;
    } else {
      const v = readUntil(s, i, ';');
      value = v.text.trim();
      i = v.next;
    }
    if (key) params.push([key, value]);
  }
  return params;
}

const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

function percentEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && ATTR_CHAR.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * Merges RFC 2231 continuations (name*0, name*1*, ...) into one parameter. An encoded value stays
 * encoded under "name*" (charset'lang'%XX...), which is what IMAP BODYSTRUCTURE hands to clients;
 * use decodeParam() to read it.
 */
function mergeContinuations(raw: [string, string][]): [string, string][] {
  interface Group { sections: Map<number, { value: string; encoded: boolean }>; slot: number }
  const out: ([string, string] | Group)[] = [];
  const groups = new Map<string, Group>();
  for (const [name, value] of raw) {
    const m = /^(.+?)\*(\d{1,3})(\*?)$/.exec(name);
    if (!m) {
      out.push([name, value]);
      continue;
    }
    const base = m[1];
    const key = base.toLowerCase();
    let g = groups.get(key);
    if (!g) {
      g = { sections: new Map(), slot: out.length };
      groups.set(key, g);
      out.push(g);
      (g as Group & { base: string }).base = base;
    }
    const n = Number(m[2]);
    if (!g.sections.has(n)) g.sections.set(n, { value, encoded: m[3] === '*' });
  }
  return out.map((item) => {
    if (Array.isArray(item)) return item;
    const base = (item as Group & { base: string }).base;
    const sections = [...item.sections.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    const encoded = sections[0]?.encoded ?? false;
    if (!encoded) return [base, sections.map((s) => s.value).join('')] as [string, string];
    const value = sections.map((s, i) => (s.encoded || i === 0 ? s.value : percentEncode(s.value))).join('');
    return [base + '*', value] as [string, string];
  });
}

export function parseStructuredHeader(header: string): StructuredHeader {
  const head = readUntil(header, 0, ';');
  return { value: head.text.trim(), params: mergeContinuations(parseRawParams(header, head.next)) };
}

function decodeCharsetBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/**
 * A parameter's value as text: "name" as is, or "name*" (charset'lang'%XX) decoded. Encoded
 * words inside quoted values (a common non-standard practice) are left to the caller.
 */
export function decodeParam(params: [string, string][], name: string): string | null {
  const want = name.toLowerCase();
  for (const [k, v] of params) {
    const key = k.toLowerCase();
    if (key === want) return v;
    if (key === want + '*') {
      const m = /^([^']*)'[^']*'(.*)$/s.exec(v);
      const charset = m ? m[1] : 'utf-8';
      const text = m ? m[2] : v;
      const bytes: number[] = [];
      for (let i = 0; i < text.length; i++) {
        const hex = text[i] === '%' ? text.slice(i + 1, i + 3) : '';
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(...Buffer.from(text[i], 'utf8'));
        }
      }
      return decodeCharsetBytes(Buffer.from(bytes), charset);
    }
  }
  return null;
}
