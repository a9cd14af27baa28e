import { Cursor } from './cursor.js';
import { parseSection } from './fetch-parser.js';
import type { Section } from './types.js';

/** One message (or a section of it) named by an IMAP URL (RFC 5092), as CATENATE uses them (RFC 4469 5). */
export interface ImapMessageUrl {
  /** the `user@` of an `imap://` URL (the user it was made for); null for an absolute path */
  user: string | null;
  mailbox: string;
  uidValidity: number | null;
  uid: number;
  /** null: the whole message */
  section: Section | null;
  partial: { start: number; length: number } | null;
}

/** the user may be written with its "@" unencoded (user@example.com@host): the host is after the last "@" */
const SCHEME = /^imap:\/\/(?:([^/;]+?)(?:;AUTH=[^/]*)?@)?[^/@]+(\/.*)$/i;
const NUMBER = /^[1-9][0-9]{0,9}$/;

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Reads `imap://[user[;AUTH=...]@]host/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=a[.b]]`
 * or the same from `/mailbox` on (an absolute path, what RFC 4469's examples send). The mailbox is
 * percent-encoded UTF-8; `;UID`, `;SECTION` and `;PARTIAL` are case-insensitive. Returns null for
 * anything else (relative URLs, URLAUTH, a URL naming a mailbox or a search rather than a message).
 */
export function parseImapUrl(url: string): ImapMessageUrl | null {
  let user: string | null = null;
  let path = url;
  const full = SCHEME.exec(url);
  if (full) {
    user = full[1] !== undefined ? decode(full[1]) : null;
    path = full[2]!;
  }
  if (!path.startsWith('/') || path.startsWith('//')) return null;
  // the mailbox may hold "/" (its hierarchy): it ends where the first "/;" parameter starts
  const cut = path.indexOf('/;');
  if (cut <= 1) return null;
  const box = path.slice(1, cut);
  const params = path.slice(cut + 1).split('/');
  const [encMailbox, ...boxParams] = box.split(';');
  const mailbox = decode(encMailbox!);
  if (!mailbox) return null;
  let uidValidity: number | null = null;
  for (const bp of boxParams) {
    const [k, v] = bp.split('=');
    if (k?.toUpperCase() !== 'UIDVALIDITY' || !v || !NUMBER.test(v)) return null;
    uidValidity = Number(v);
  }
  let uid: number | null = null;
  let section: Section | null = null;
  let partial: ImapMessageUrl['partial'] = null;
  for (const [i, param] of params.entries()) {
    const m = /^;(UID|SECTION|PARTIAL)=(.+)$/i.exec(param);
    if (!m) return null;
    const key = m[1]!.toUpperCase();
    const value = decode(m[2]!);
    if (value === null) return null;
    if (key === 'UID' && i === 0 && NUMBER.test(value)) uid = Number(value);
    else if (key === 'SECTION' && uid !== null && !section && !partial) section = sectionOf(value);
    else if (key === 'PARTIAL' && uid !== null && !partial) partial = partialOf(value);
    else return null;
    if ((key === 'SECTION' && !section) || (key === 'PARTIAL' && !partial)) return null;
  }
  if (uid === null || uid > 0xffffffff) return null;
  return { user, mailbox, uidValidity, uid, section, partial };
}

function sectionOf(text: string): Section | null {
  try {
    const c = new Cursor(Buffer.from(`${text}]`, 'utf8'));
    const section = parseSection(c);
    return c.eof() ? section : null;
  } catch {
    return null;
  }
}

function partialOf(text: string): { start: number; length: number } | null {
  const m = /^(0|[1-9][0-9]{0,9})(?:\.([1-9][0-9]{0,9}))?$/.exec(text);
  if (!m) return null;
  return { start: Number(m[1]), length: m[2] ? Number(m[2]) : Number.MAX_SAFE_INTEGER };
}

/** `BADURL url` (RFC 4469 6): the URL that could not be used, as the client sent it (no `]` or line break). */
export function badUrlCode(url: string): string {
  return `BADURL ${url.replace(/[\]\r\n\0]/g, '')}`;
}
