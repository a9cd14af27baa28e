const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', euro: '€',
  hellip: '…', mdash: '—', ndash: '–', laquo: '«', raquo: '»', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“',
};

function decodeEntity(whole: string, body: string): string {
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (Number.isFinite(code) && code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) {
      return String.fromCodePoint(code);
    }
    return whole;
  }
  return ENTITIES[body.toLowerCase()] ?? whole;
}

const BLOCK_TAGS = new Set(['p', 'div', 'br', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'blockquote']);
/** formatting inside a line: a browser puts no space where they open or close (`Hel<b>lo</b>` reads "Hello") */
const INLINE_TAGS = new Set(['a', 'abbr', 'b', 'big', 'code', 'em', 'font', 'i', 'mark', 's', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'u']);
/** elements dropped with their content */
const OPAQUE_END: Record<string, RegExp> = { script: /<\/script\s*>/gi, style: /<\/style\s*>/gi, head: /<\/head\s*>/gi };
const TAG_NAME = /\/?([a-zA-Z][a-zA-Z0-9_]*)/y;
const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});?/g;

/**
 * Markup out, in one left-to-right scan with indexOf (a regex pass per kind of markup was a fifth of
 * the indexing time of an ordinary HTML mail): a comment, a script/style/head element with its
 * content, and any tag become a blank; a block tag becomes a line break and an inline formatting
 * tag nothing. Unterminated markup runs to the end. Linear whatever the input.
 */
function stripMarkup(html: string): string {
  const out: string[] = [];
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    if (lt > i) out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      out.push(' ');
      i = end < 0 ? n : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    const tagEnd = gt < 0 ? n : gt + 1;
    TAG_NAME.lastIndex = lt + 1;
    const m = TAG_NAME.exec(html);
    const closing = m !== null && m[0][0] === '/';
    const name = m ? m[1].toLowerCase() : '';
    const opaqueEnd = !closing && gt >= 0 ? OPAQUE_END[name] : undefined;
    if (opaqueEnd) {
      opaqueEnd.lastIndex = tagEnd;
      const close = opaqueEnd.exec(html);
      out.push(' ');
      i = close ? close.index + close[0].length : n;
      continue;
    }
    const blank = gt < 0 ? ' ' : BLOCK_TAGS.has(name) ? '\n' : INLINE_TAGS.has(name) ? '' : ' ';
    if (blank) out.push(blank);
    i = tagEnd;
  }
  return out.join('');
}

/**
 * Good enough for search, not for display: drops scripts, styles, comments and tags, decodes the
 * common entities and squeezes blanks.
 */
export function htmlToText(html: string): string {
  let text = stripMarkup(html);
  if (text.includes('&')) text = text.replace(ENTITY, decodeEntity);
  // blanks squeezed to one space, blank lines and the blanks around line breaks dropped; the
  // patterns only match what changes (a single space or line break matched and replaced by itself,
  // thousands of times per message, was most of the cost)
  return text
    .replace(/[ \t\r\f\v\u00a0]{2,}|[\t\r\f\v\u00a0]/g, ' ')
    .replace(/ \n\s*|\n\s+/g, '\n')
    .trim();
}
