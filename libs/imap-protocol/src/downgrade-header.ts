import { asciiDomain, downgradeText, encodeWords, hasNonAscii, rfc2231Value } from './downgrade.js';

/**
 * RFC 6857 3 for a header block as BODY[HEADER], BODY[HEADER.FIELDS ...], RFC822.HEADER and
 * BODY[n.MIME] send it to a session that did not enable UTF-8 (see downgrade.ts). Only fields
 * with 8-bit bytes are rewritten, each on its own, keeping the block's line ends; a block without
 * one comes back as the same buffer. A rewritten field is unfolded, rewritten, and folded again
 * near 76 characters.
 */

const ADDRESS_FIELDS = new Set(['from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'resent-from', 'resent-sender', 'resent-to', 'resent-cc', 'resent-bcc', 'return-path']);
/** RFC 6857: a message id that is not ASCII moves to a Downgraded- field */
const ID_FIELDS = new Set(['message-id', 'in-reply-to', 'references', 'resent-message-id']);
const PARAMETER_FIELDS = new Set(['content-type', 'content-disposition']);
const FOLD_AT = 76;

function has8bit(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] >= 0x80) return true;
  return false;
}

/** `name: value` with the value folded at white space between tokens near FOLD_AT characters. */
function fold(name: string, value: string, eol: string): string {
  let line = `${name}:`;
  let out = '';
  for (const token of value.split(' ').filter((t) => t.length > 0)) {
    // before the first token too: an encoded-word of 75 characters after a long name still fits a line
    if (line.length + 1 + token.length > FOLD_AT) {
      out += line + eol;
      line = ` ${token}`;
    } else line += ` ${token}`;
  }
  return out + line + eol;
}

/** Splits at `sep` outside quoted strings, comments and angle brackets. */
function splitTop(s: string, seps: string): Array<{ text: string; sep: string }> {
  const out: Array<{ text: string; sep: string }> = [];
  let quoted = false;
  let comment = 0;
  let angle = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && (quoted || comment)) {
      i++;
      continue;
    }
    if (quoted) {
      if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(') comment++;
    else if (c === ')' && comment) comment--;
    else if (!comment && c === '<') angle = true;
    else if (!comment && c === '>') angle = false;
    else if (!comment && !angle && seps.includes(c)) {
      out.push({ text: s.slice(start, i), sep: c });
      start = i + 1;
    }
  }
  out.push({ text: s.slice(start), sep: '' });
  return out;
}

const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s);

/** One mailbox (`name <local@domain>` or `local@domain`) for a 7-bit reader, or the text it becomes. */
function downgradeMailbox(text: string): { mailbox: string } | { asText: string } {
  const t = text.trim();
  if (!hasNonAscii(t)) return { mailbox: t };
  const lt = t.lastIndexOf('<');
  const gt = t.lastIndexOf('>');
  const written = lt > 0 ? t.slice(0, lt).trim() : '';
  const name = unquote(written);
  const spec = lt >= 0 && gt > lt ? t.slice(lt + 1, gt).trim() : t;
  const at = spec.lastIndexOf('@');
  const local = at >= 0 ? spec.slice(0, at) : spec;
  const domain = at >= 0 ? spec.slice(at + 1) : '';
  const host = at >= 0 ? asciiDomain(domain) : null;
  // an ASCII name stays as written (quoted, or encoded-words the sender wrote)
  const phrase = name ? (hasNonAscii(name) ? downgradeText(name) : written) : '';
  if (!hasNonAscii(local) && host !== null) return { mailbox: phrase ? `${phrase} <${local}@${host}>` : `${local}@${host}` };
  return { asText: encodeWords(name ? `${name} <${spec}>` : `<${spec}>`) };
}

/** An address list (RFC 5322 3.4) for a 7-bit reader; groups do not nest, so a member that cannot stay an address joins the group's name. */
export function downgradeAddressField(value: string): string {
  const items: string[] = [];
  let group: { name: string; members: string[] } | null = null;
  for (const { text, sep } of splitTop(value, ',:;')) {
    if (sep === ':' && !group) {
      group = { name: downgradeText(text.trim()), members: [] };
      continue;
    }
    if (text.trim()) {
      const m = downgradeMailbox(text);
      if ('mailbox' in m) (group ? group.members : items).push(m.mailbox);
      else if (group) group.name += ` ${m.asText}`;
      else items.push(`${m.asText} :;`);
    }
    if (sep === ';' && group) {
      items.push(`${group.name}: ${group.members.join(', ')};`);
      group = null;
    }
  }
  if (group) items.push(`${group.name}: ${group.members.join(', ')};`);
  return items.join(', ');
}

/** Content-Type / Content-Disposition: a parameter whose value is not ASCII as `name*=utf-8''...` (RFC 2231); the rest as written. */
export function downgradeParameterField(value: string): string {
  const parts = splitTop(value, ';');
  return parts
    .map(({ text }, i) => {
      const t = text.trim();
      if (!hasNonAscii(t)) return t;
      const eq = t.indexOf('=');
      if (i === 0 || eq <= 0) return downgradeText(t);
      const name = t.slice(0, eq).trim();
      if (hasNonAscii(name)) return null;
      return `${name.endsWith('*') ? name : `${name}*`}=${rfc2231Value(unquote(t.slice(eq + 1).trim()))}`;
    })
    .filter((p): p is string => p !== null && p.length > 0)
    .join('; ');
}

/** One field (name and unfolded value) rewritten for a 7-bit reader. */
function downgradeField(name: string, value: string, eol: string): string {
  const lower = name.toLowerCase();
  if (hasNonAscii(name)) return fold('Downgraded-Field', downgradeText(`${name}:${value}`), eol);
  if (ADDRESS_FIELDS.has(lower)) return fold(name, downgradeAddressField(value), eol);
  if (ID_FIELDS.has(lower)) return fold(`Downgraded-${name}`, downgradeText(value), eol);
  if (PARAMETER_FIELDS.has(lower)) return fold(name, downgradeParameterField(value), eol);
  return fold(name, downgradeText(value), eol);
}

/** A header block (or part of one) for a session that did not enable UTF-8; the same buffer when it has no 8-bit byte. */
export function downgradeHeaderBlock(block: Buffer): Buffer {
  if (!has8bit(block, 0, block.length)) return block;
  const out: Buffer[] = [];
  let i = 0;
  while (i < block.length) {
    // a field: its first line and every continuation line (starting with white space)
    let end = i;
    do {
      const nl = block.indexOf(0x0a, end);
      end = nl < 0 ? block.length : nl + 1;
    } while (end < block.length && (block[end] === 0x20 || block[end] === 0x09));
    const field = block.subarray(i, end);
    const colon = field.indexOf(0x3a);
    if (!has8bit(block, i, end) || colon <= 0) {
      // an ASCII field, the empty line that ends the block, or a line that is no field (kept only when ASCII)
      if (!has8bit(block, i, end)) out.push(field);
      i = end;
      continue;
    }
    const eol = field.includes('\r\n') ? '\r\n' : '\n';
    const name = field.subarray(0, colon).toString('utf8').trim();
    const value = field
      .subarray(colon + 1)
      .toString('utf8')
      .replace(/\r?\n(?=[ \t])/g, '')
      .replace(/\r?\n$/, '')
      .trim();
    const rewritten = downgradeField(name, value, eol);
    // a last field without its line end (a HEADER.FIELDS slice) gets none either
    out.push(Buffer.from(field[field.length - 1] === 0x0a ? rewritten : rewritten.slice(0, -eol.length), 'utf8'));
    i = end;
  }
  return Buffer.concat(out);
}
