import { splitRawFields } from './header-block.js';

const CRLF = Buffer.from('\r\n');

/**
 * BODY[HEADER.FIELDS (...)] and BODY[HEADER.FIELDS.NOT (...)]: the matching fields with their
 * bytes untouched, followed by the blank line that IMAP includes in the result (RFC 3501 6.4.5).
 */
export function headerFieldsFilter(headerBytes: Buffer, fields: string[], not: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const out: Buffer[] = [];
  for (const field of splitRawFields(headerBytes)) {
    if (wanted.has(field.name.toLowerCase()) === not) continue;
    out.push(field.raw);
    // the last field of a header block without a blank line may lack its terminator
    if (field.raw[field.raw.length - 1] !== 0x0a) out.push(CRLF);
  }
  out.push(CRLF);
  return Buffer.concat(out);
}
