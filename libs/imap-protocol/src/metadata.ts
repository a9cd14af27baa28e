import type { Cursor } from './cursor.js';
import { astring, mailboxName, nstring, untagged } from './response.js';

/** GETMETADATA's options (RFC 5464 4.2): MAXSIZE and DEPTH. */
export interface MetadataOptions {
  maxSize: number | null;
  depth: '0' | '1' | 'infinity';
}

/** Longest entry name accepted: names are hierarchical paths, not data. */
const MAX_ENTRY_LENGTH = 256;

/**
 * An entry name (RFC 5464 3.2): under /private or /shared, no wildcards, no empty level, no
 * trailing slash, printable US-ASCII. Entry names are case-insensitive: the lowercase form is the
 * one kept. Null when the name is not acceptable.
 */
export function canonicalEntry(name: string): string | null {
  if (name.length > MAX_ENTRY_LENGTH || name.includes('//') || name.endsWith('/')) return null;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2a || c === 0x25) return null;
  }
  const lower = name.toLowerCase();
  if (!lower.startsWith('/private/') && !lower.startsWith('/shared/')) return null;
  return lower;
}

/** `(MAXSIZE n DEPTH d)`, either or both, any order. */
function options(c: Cursor): MetadataOptions {
  const out: MetadataOptions = { maxSize: null, depth: '0' };
  c.expect('(');
  for (;;) {
    const name = c.atom().toUpperCase();
    c.sp();
    if (name === 'MAXSIZE') out.maxSize = c.number();
    else if (name === 'DEPTH') {
      const d = c.atom().toLowerCase();
      if (d !== '0' && d !== '1' && d !== 'infinity') c.fail('DEPTH is 0, 1 or infinity');
      out.depth = d;
    } else c.fail('unknown GETMETADATA option');
    if (c.tryChar(')')) return out;
    c.sp();
  }
}

/** `GETMETADATA [(options)] mailbox entry|(entry ...)` after the command name. */
export function parseGetMetadata(c: Cursor): { options: MetadataOptions; mailbox: string; entries: string[] } {
  c.sp();
  let opts: MetadataOptions = { maxSize: null, depth: '0' };
  if (c.peek() === 0x28) {
    opts = options(c);
    c.sp();
  }
  const mailbox = c.astring();
  c.sp();
  const entries: string[] = [];
  if (c.tryChar('(')) {
    for (;;) {
      entries.push(c.astring());
      if (entries.length > 100) c.fail('too many entries');
      if (c.tryChar(')')) break;
      c.sp();
    }
  } else {
    entries.push(c.astring());
  }
  c.end();
  return { options: opts, mailbox, entries };
}

/** `SETMETADATA mailbox (entry value ...)` after the command name; a NIL value removes the entry. */
export function parseSetMetadata(c: Cursor): { mailbox: string; values: Array<[string, string | null]> } {
  c.sp();
  const mailbox = c.astring();
  c.sp();
  c.expect('(');
  const values: Array<[string, string | null]> = [];
  for (;;) {
    const entry = c.astring();
    c.sp();
    values.push([entry, c.nstring()]);
    if (values.length > 100) c.fail('too many entries');
    if (c.tryChar(')')) break;
    c.sp();
  }
  c.end();
  return { mailbox, values };
}

/** `* METADATA mailbox (entry value ...)` (RFC 5464 4.4.1); "" is the server. */
export function metadataResponse(mailbox: string, entries: ReadonlyArray<readonly [string, string | null]>, utf8 = false): string {
  const list = entries.map(([e, v]) => `${astring(e)} ${nstring(v)}`).join(' ');
  return untagged(`METADATA ${mailbox === '' ? '""' : mailboxName(mailbox, utf8)} (${list})`);
}

/**
 * The unsolicited `* METADATA mailbox entry entry ...` (RFC 5464 4.4.2): these entries changed, ask
 * GETMETADATA for their values; NOTIFY's MailboxMetadataChange and ServerMetadataChange (RFC 5465
 * 5.7, 5.8). "" is the server.
 */
export function metadataChangeResponse(mailbox: string, entries: readonly string[], utf8 = false): string {
  return untagged(`METADATA ${mailbox === '' ? '""' : mailboxName(mailbox, utf8)} ${entries.map(astring).join(' ')}`);
}
