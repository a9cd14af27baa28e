import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Sender Rewriting Scheme (the Shevek/postsrsd format every SRS implementation speaks), so that a
 * message we forward leaves with an envelope sender in OUR domain: the next hop's SPF check then
 * asks about us, not about the original sender's domain we are not authorised for. A bounce to
 * that address comes back to us, and the reverse function turns it into the original sender.
 *
 *   SRS0=HHHH=TT=domain=local@srs-domain            forwarding an ordinary address
 *   SRS1=HHHH=first-srs-domain==HHHH=TT=...@srs-domain   forwarding an SRS0 address again
 *
 * HHHH: the first 4 characters of base64(HMAC-SHA1(key, lowercased rest)); TT: the day (mod 1024)
 * in two base32 characters, so an address expires. The hash makes the address unforgeable: nobody
 * can make us relay to an address we did not rewrite ourselves. Pure: no clock, no I/O.
 */

export interface SrsKeys {
  /** the key addresses are made with; first of `keys` */
  sign: Buffer;
  /** every key an address may have been made with (rotation: the new key first, then the old) */
  verify: readonly Buffer[];
}

export interface SrsOptions {
  keys: SrsKeys;
  /** the domain rewritten addresses are in: ours, with an MX pointing at us */
  domain: string;
  /** how many days a rewritten address is honoured for bounces (default 21) */
  maxAgeDays?: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HASH_LENGTH = 4;
const DAY_MS = 86_400_000;
/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets; SRS addresses often exceed it, so we only bound hostile input */
const MAX_ADDRESS = 512;

export type SrsReverse = { ok: true; address: string } | { ok: false; reason: 'not-srs' | 'malformed' | 'bad-hash' | 'expired' };

/** The day stamp of `now`, two base32 characters (10 bits: wraps after 1024 days). */
export function srsTimestamp(now: number): string {
  const day = Math.floor(now / DAY_MS) % 1024;
  return BASE32[(day >> 5) & 31] + BASE32[day & 31];
}

/** Days since a stamp was made, taking the 1024-day wrap into account; null if it is not a stamp. */
export function srsAgeDays(stamp: string, now: number): number | null {
  if (stamp.length !== 2) return null;
  const hi = BASE32.indexOf(stamp[0].toUpperCase());
  const lo = BASE32.indexOf(stamp[1].toUpperCase());
  if (hi < 0 || lo < 0) return null;
  const then = (hi << 5) | lo;
  const today = Math.floor(now / DAY_MS) % 1024;
  return (today - then + 1024) % 1024;
}

function hash(key: Buffer, ...parts: string[]): string {
  return createHmac('sha1', key).update(parts.join('').toLowerCase()).digest('base64').slice(0, HASH_LENGTH);
}

function hashMatches(keys: readonly Buffer[], given: string, ...parts: string[]): boolean {
  const g = Buffer.from(given.toLowerCase());
  // base64 is case-sensitive, but some MTAs lowercase local parts: compare case-insensitively, as postsrsd does
  return keys.some((k) => {
    const want = Buffer.from(hash(k, ...parts).toLowerCase());
    return want.length === g.length && timingSafeEqual(want, g);
  });
}

function split(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

const isSrs0 = (local: string) => /^srs0[=+-]/i.test(local);
const isSrs1 = (local: string) => /^srs1[=+-]/i.test(local);

/**
 * The envelope sender a forwarded copy leaves with. The null sender stays null (bounces are never
 * rewritten); an address already in our SRS domain is kept; an SRS0 address of another forwarder
 * becomes SRS1 (so the chain does not grow with every hop); an SRS1 keeps its first hop.
 */
export function srsForward(sender: string, opts: SrsOptions, now: number): string {
  if (!sender) return sender;
  const parts = split(sender);
  if (!parts) return sender;
  const ours = opts.domain.toLowerCase();
  if (parts.domain.toLowerCase() === ours) return sender;
  const { sign } = opts.keys;
  if (isSrs0(parts.local)) {
    // SRS0=HHHH=TT=domain=local@first-hop → SRS1=HHHH=first-hop==HHHH=TT=domain=local@us
    const rest = parts.local.slice(4); // "=HHHH=TT=..." including its separator
    return `SRS1=${hash(sign, parts.domain, rest)}=${parts.domain}=${rest}@${opts.domain}`;
  }
  if (isSrs1(parts.local)) {
    // SRS1=HHHH=first-hop==rest@previous → SRS1=HHHH'=first-hop==rest@us
    const m = /^srs1[=+-][^=]+=([^=]+)=(.*)$/is.exec(parts.local);
    if (!m) return srs0(sign, parts, opts.domain, now);
    return `SRS1=${hash(sign, m[1], m[2])}=${m[1]}=${m[2]}@${opts.domain}`;
  }
  return srs0(sign, parts, opts.domain, now);
}

function srs0(key: Buffer, parts: { local: string; domain: string }, srsDomain: string, now: number): string {
  const tt = srsTimestamp(now);
  return `SRS0=${hash(key, tt, parts.domain, parts.local)}=${tt}=${parts.domain}=${parts.local}@${srsDomain}`;
}

/**
 * Where a message to one of our SRS addresses goes: the original sender (SRS0), or the previous
 * forwarder's SRS0 address (SRS1). Anything else is refused: a hash we did not make, a stamp older
 * than `maxAgeDays` (or from the future), or a malformed address. The domain must be ours.
 */
export function srsReverse(address: string, opts: SrsOptions, now: number): SrsReverse {
  if (address.length > MAX_ADDRESS) return { ok: false, reason: 'malformed' };
  const parts = split(address);
  if (!parts || parts.domain.toLowerCase() !== opts.domain.toLowerCase()) return { ok: false, reason: 'not-srs' };
  const { verify } = opts.keys;
  if (isSrs0(parts.local)) {
    // SRS0=HHHH=TT=domain=local (the original local part may itself contain '=')
    const m = /^srs0[=+-]([^=]+)=([^=]+)=([^=]+)=(.+)$/is.exec(parts.local);
    if (!m) return { ok: false, reason: 'malformed' };
    const [, hh, tt, domain, local] = m;
    if (hh.length !== HASH_LENGTH || !domain.includes('.')) return { ok: false, reason: 'malformed' };
    const age = srsAgeDays(tt, now);
    if (age === null) return { ok: false, reason: 'malformed' };
    if (!hashMatches(verify, hh, tt, domain, local)) return { ok: false, reason: 'bad-hash' };
    // a stamp from "tomorrow" reads as ~1023 days old: refused like an old one
    if (age > (opts.maxAgeDays ?? 21)) return { ok: false, reason: 'expired' };
    return { ok: true, address: `${local}@${domain}` };
  }
  if (isSrs1(parts.local)) {
    // SRS1=HHHH=first-hop==rest → SRS0=rest@first-hop (the first hop checks its own hash and stamp)
    const m = /^srs1[=+-]([^=]+)=([^=]+)=([=+-].+)$/is.exec(parts.local);
    if (!m) return { ok: false, reason: 'malformed' };
    const [, hh, firstHop, rest] = m;
    if (hh.length !== HASH_LENGTH || !firstHop.includes('.')) return { ok: false, reason: 'malformed' };
    if (!hashMatches(verify, hh, firstHop, rest)) return { ok: false, reason: 'bad-hash' };
    return { ok: true, address: `SRS0${rest}@${firstHop}` };
  }
  return { ok: false, reason: 'not-srs' };
}

/** Is this local part in SRS form (worth a reverse attempt)? */
export function looksLikeSrs(address: string): boolean {
  const parts = split(address);
  return !!parts && (isSrs0(parts.local) || isSrs1(parts.local));
}
