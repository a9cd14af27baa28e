/** Two or more white-space characters in a row, or one that is not a plain space. */
const WHITESPACE_RUNS = /\s{2,}|[^\S ]/g;

/**
 * The form of the text that SEARCH BODY and TEXT look in (MessageIndex.text, one entry per text
 * part) and of what they look for: every run of white space, line breaks included, is one space.
 * A phrase then matches across the line wraps of a text/plain part and whatever an HTML part's
 * layout, and the parts of a multipart/alternative, which nearly always say the same thing, come
 * out equal and are kept once. The pattern only matches what changes: single spaces, most of
 * them, are left alone.
 */
export function collapseWhitespace(text: string): string {
  return text.replace(WHITESPACE_RUNS, ' ');
}
