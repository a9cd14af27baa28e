import libmime from 'libmime';

/** RFC 2047 encoded-words in a header value decoded to text; the value as it is when they are broken. */
export function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
