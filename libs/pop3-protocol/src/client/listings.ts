import { Pop3ReplyError } from './pop3-reply-error.js';

const DIGITS = /^[0-9]{1,10}$/;
/** RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21..0x7E */
const UNIQUE_ID = /^[\x21-\x7e]{1,70}$/;

function number(text: string, what: string): number {
  if (!DIGITS.test(text)) throw new Pop3ReplyError(`${what}: not a number: ${JSON.stringify(text.slice(0, 20))}`);
  return Number(text);
}

/** `+OK 2 320` → the maildrop's message count and size. */
export function parseStat(text: string): { count: number; size: number } {
  const [count, size] = text.trim().split(/ +/);
  return { count: number(count ?? '', 'STAT count'), size: number(size ?? '', 'STAT size') };
}

/** The lines of a multi-line body (dot-unstuffed bytes), split on LF with a CR before it dropped; no empty trailing line. */
export function bodyLines(body: Buffer): string[] {
  const text = body.toString('latin1');
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A UIDL listing: message number → unique id. A malformed line, a number given twice or an id
 * given to two messages make the listing unusable (the client could no longer tell what it
 * fetched before), so they are errors rather than lines to skip.
 */
export function parseUidlListing(lines: string[]): Array<{ msg: number; uid: string }> {
  const seenMsg = new Set<number>();
  const seenUid = new Set<string>();
  return lines.map((line) => {
    const [n, uid, extra] = line.trim().split(/ +/);
    const msg = number(n ?? '', 'UIDL message number');
    if (extra !== undefined || !uid || !UNIQUE_ID.test(uid)) throw new Pop3ReplyError(`UIDL: bad unique-id line ${JSON.stringify(line.slice(0, 90))}`);
    if (msg < 1 || seenMsg.has(msg)) throw new Pop3ReplyError(`UIDL: message ${msg} listed twice or out of range`);
    if (seenUid.has(uid)) throw new Pop3ReplyError(`UIDL: unique-id ${uid} given to two messages`);
    seenMsg.add(msg);
    seenUid.add(uid);
    return { msg, uid };
  });
}

/** A LIST listing: message number → size in octets. */
export function parseListListing(lines: string[]): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const line of lines) {
    const [n, size, extra] = line.trim().split(/ +/);
    if (extra !== undefined) throw new Pop3ReplyError(`LIST: bad line ${JSON.stringify(line.slice(0, 90))}`);
    sizes.set(number(n ?? '', 'LIST message number'), number(size ?? '', 'LIST size'));
  }
  return sizes;
}

/** CAPA (RFC 2449): capability name (upper case) → its arguments. */
export function parseCapa(lines: string[]): Map<string, string[]> {
  const caps = new Map<string, string[]>();
  for (const line of lines) {
    const [name, ...args] = line.trim().split(/ +/);
    if (name) caps.set(name.toUpperCase(), args);
  }
  return caps;
}
