const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d;

/**
 * Drops leading spaces/tabs and trailing spaces/tabs/CRs. A loop rather than `/[ \t]+$/`: that
 * expression retries from every blank of a long run and takes quadratic time on a header of
 * blanks followed by a letter (a header of a few hundred kilobytes held the indexer for minutes).
 */
export function trimBlanks(s: string, leading = true): string {
  let start = 0;
  let end = s.length;
  if (leading) while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
