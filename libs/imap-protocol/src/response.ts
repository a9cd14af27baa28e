import { encodeMailboxName } from './mailbox-name.js';

const CRLF = '\r\n';

/** True when `s` can be sent as a quoted string (7-bit TEXT-CHARs, short). */
function quotable(s: string): boolean {
  if (s.length > 1024) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x0d || c === 0x0a || c > 0x7e) return false;
  }
  return true;
}

/**
 * A string as IMAP sends it: quoted when it can be, otherwise a literal. Written to the socket as
 * UTF-8, so the literal's length is counted in UTF-8 bytes.
 */
export function imapString(s: string): string {
  if (quotable(s)) return '"' + s.replace(/[\\"]/g, (ch) => '\\' + ch) + '"';
  return `{${Buffer.byteLength(s, 'utf8')}}${CRLF}${s}`;
}

export function nstring(s: string | null | undefined): string {
  return s === null || s === undefined ? 'NIL' : imapString(s);
}

const ASTRING_ATOM = /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5d-\x7a\x7c\x7e]+$/;

/** astring: an atom when safe (and not NIL), else a string. */
export function astring(s: string): string {
  return ASTRING_ATOM.test(s) && s.toUpperCase() !== 'NIL' ? s : imapString(s);
}

/** True when `s` can be a quoted string once UTF-8 is allowed in them (RFC 6855 3, RFC 9051 utf8-quoted). */
function utf8Quotable(s: string): boolean {
  return s.length <= 1024 && !/[\0\r\n]/.test(s);
}

/**
 * A mailbox name (UTF-8 in the store) as a client sees it: modified UTF-7 for an IMAP4rev1 client,
 * UTF-8 as it is (`utf8`) once the session enabled IMAP4rev2 or UTF8=ACCEPT; an atom or a string.
 */
export function mailboxName(name: string, utf8 = false): string {
  if (!utf8) return astring(encodeMailboxName(name));
  if (ASTRING_ATOM.test(name) && name.toUpperCase() !== 'NIL') return name;
  return utf8Quotable(name) ? '"' + name.replace(/[\\"]/g, (ch) => '\\' + ch) + '"' : imapString(name);
}

export function flagList(flags: Iterable<string>): string {
  return '(' + [...flags].join(' ') + ')';
}

export function untagged(text: string): string {
  return `* ${text}${CRLF}`;
}

export type TaggedStatus = 'OK' | 'NO' | 'BAD';

/** `tag OK [CODE] text`; CR/LF in `text` are flattened so a reply can never split into two lines. */
export function tagged(tag: string, status: TaggedStatus, text: string, code?: string | null): string {
  const safe = text.replace(/[\r\n]+/g, ' ');
  return `${tag} ${status} ${code ? `[${code}] ` : ''}${safe}${CRLF}`;
}

export function continuation(text = 'Ready'): string {
  return `+ ${text.replace(/[\r\n]+/g, ' ')}${CRLF}`;
}

/** A literal header; the session streams the bytes after it. */
export function literalHeader(size: number): string {
  return `{${size}}${CRLF}`;
}
