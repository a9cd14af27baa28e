const SP = 0x20;

/** RFC 3501 ATOM-CHAR: CHAR except atom-specials ( ) { SP CTL % * " \ ] */
export function isAtomChar(c: number): boolean {
  if (c <= SP || c >= 0x7f) return false;
  return c !== 0x28 && c !== 0x29 && c !== 0x7b && c !== 0x25 && c !== 0x2a && c !== 0x22 && c !== 0x5c && c !== 0x5d;
}

/** ASTRING-CHAR = ATOM-CHAR / "]" */
export function isAstringChar(c: number): boolean {
  return isAtomChar(c) || c === 0x5d;
}

/** tag = 1*<any ASTRING-CHAR except "+"> */
export function isTagChar(c: number): boolean {
  return isAstringChar(c) && c !== 0x2b;
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials */
export function isListChar(c: number): boolean {
  return isAtomChar(c) || c === 0x25 || c === 0x2a || c === 0x5d;
}

/** Reads the tag at the start of a buffer, for error replies; null if there is no plausible one. */
export function leadingTag(buf: Buffer): string | null {
  let i = 0;
  while (i < buf.length && i < 64 && isTagChar(buf[i])) i++;
  if (i === 0 || i === 64 || (i < buf.length && buf[i] !== SP)) return null;
  return buf.toString('latin1', 0, i);
}
