import type { FetchProtocol, RemoteTls } from './fetch.contract.js';

/**
 * The one rule for connections to another mail server that fetch accounts (libs/migration) and
 * migration batches (libs/migration-batch) both apply to what an administrator gives them:
 * `tls: none` would carry the account's password across the network in the clear, so it is
 * refused unless the host is loopback or `insecure` says the administrator means it. Kept here,
 * next to RemoteTls, because the two feature libraries may not import each other.
 */

// as node:net's isIPv4 (each part 0-255, no leading zeros): contracts import no node:net
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)){3}$/;

/** 127.0.0.0/8 (also IPv4-mapped), ::1 (also written out) and `localhost`: traffic that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (IPV4.test(h)) return h.startsWith('127.');
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return h.startsWith('::ffff:127.') && IPV4.test(h.slice(7));
}

/** Why this endpoint would send a password in the clear, or null when it would not. */
export function cleartextProblem(e: { host: string; tls: RemoteTls; insecure?: boolean }): string | null {
  if (e.tls !== 'none' || e.insecure || isLoopbackHost(e.host)) return null;
  return `--tls none to ${e.host} sends passwords in the clear: use implicit or starttls, or pass --insecure (a loopback host needs neither)`;
}

const DEFAULT_PORTS = { imap: { implicit: 993, starttls: 143, none: 143 }, pop3: { implicit: 995, starttls: 110, none: 110 } } as const;

/** The well-known port of a protocol over this kind of TLS (RFC 8314 for the implicit ones). */
export function defaultRemotePort(protocol: FetchProtocol, tls: RemoteTls): number {
  return DEFAULT_PORTS[protocol][tls];
}
