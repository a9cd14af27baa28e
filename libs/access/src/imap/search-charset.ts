/** SEARCH, SORT and THREAD understand UTF-8 and its subset US-ASCII (RFC 3501 6.4.4: BADCHARSET lists them). */
export function searchCharsetRefused(charset: string | null): { text: string; code: string } | null {
  if (!charset || charset === 'UTF-8' || charset === 'US-ASCII') return null;
  return { text: 'Unsupported charset', code: 'BADCHARSET (UTF-8 US-ASCII)' };
}
