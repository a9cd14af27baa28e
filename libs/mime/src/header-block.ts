import { trimBlanks } from './trim-blanks.js';

/** One header field: lowercased name, the name as spelled, and the unfolded raw value. */
export interface HeaderField {
  name: string;
  rawName: string;
  value: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Header bytes are supposed to be ASCII, but RFC 6532 allows UTF-8 and old software writes
 * Latin-1; trying UTF-8 per line keeps one bad field from garbling the others.
 */
export function decodeHeaderBytes(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  }
}

/** Field names are printable ASCII without colon; obsolete syntax allows blanks before the colon. */
function fieldNameEnd(line: Buffer): number {
  const colon = line.indexOf(0x3a);
  if (colon <= 0) return -1;
  let end = colon;
  while (end > 0 && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
  if (end === 0) return -1;
  for (let i = 0; i < end; i++) {
    const c = line[i];
    if (c < 33 || c > 126) return -1;
  }
  return colon;
}

/** Raw lines of a header block, each with its terminator, grouped by field (continuations attached). */
export interface RawField {
  name: string;
  /** the field's bytes as they were, continuation lines and terminators included */
  raw: Buffer;
}

export function splitHeaderLines(block: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < block.length) {
    const lf = block.indexOf(0x0a, start);
    const end = lf < 0 ? block.length : lf + 1;
    lines.push(block.subarray(start, end));
    start = end;
  }
  return lines;
}

function stripTerminator(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line.subarray(0, end);
}

/**
 * Groups a header block into fields. Lines that are neither a field nor a continuation (an mbox
 * "From " line, garbage) are dropped with any continuation that follows them. Parsing stops at the
 * first empty line.
 */
export function splitRawFields(block: Buffer): RawField[] {
  const fields: RawField[] = [];
  let current: { name: string; lines: Buffer[] } | null = null;
  const flush = () => {
    if (current) fields.push({ name: current.name, raw: Buffer.concat(current.lines) });
    current = null;
  };
  for (const line of splitHeaderLines(block)) {
    const content = stripTerminator(line);
    if (content.length === 0) break;
    const first = content[0];
    if (first === 0x20 || first === 0x09) {
      current?.lines.push(line);
      continue;
    }
    flush();
    const colon = fieldNameEnd(content);
    if (colon < 0) continue;
    const name = content.subarray(0, colon).toString('latin1').trimEnd();
    current = { name, lines: [line] };
  }
  flush();
  return fields;
}

/** Unfolds (RFC 5322 2.2.3: drop the CRLF before folding white space) and trims the value. */
export function parseHeaderBlock(block: Buffer): HeaderField[] {
  return splitRawFields(block).map(({ name, raw }) => {
    const colon = raw.indexOf(0x3a);
    const valueBytes = raw.subarray(colon + 1);
    const value = trimBlanks(decodeHeaderBytes(valueBytes).replace(/\r?\n/g, ''));
    return { name: name.toLowerCase(), rawName: name, value };
  });
}

/** First value of a field, or null. */
export function firstField(fields: HeaderField[], name: string): string | null {
  for (const f of fields) if (f.name === name) return f.value;
  return null;
}
