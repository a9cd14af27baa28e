import { isIP } from 'node:net';
import type { DnsResolver } from '@mail/dns';
import { PermanentRouteError } from '../mx-route.js';

/** One next hop for a domain: an MX name (or the domain itself, the implicit MX) and its preference. */
export interface MxHost {
  name: string;
  priority: number;
  /** true when the domain has no MX and its own address records serve (RFC 5321 §5.1) */
  implicit: boolean;
}

const NO_SUCH = new Set(['ENOTFOUND', 'ENODATA']);
const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? '';
const isNullMx = (exchange: string) => exchange === '' || exchange === '.';

/**
 * The next hops of a domain in the order RFC 5321 §5.1 asks for: by preference, and shuffled among
 * equal preferences so that senders spread their load. A null MX (RFC 7505: a single MX "." with
 * preference 0) means the domain accepts no mail: PermanentRouteError, the recipients bounce at once.
 * No MX at all: the domain itself is the host (implicit MX). A domain that does not exist bounces;
 * any other DNS failure is temporary (thrown as is, the caller defers).
 */
export async function mxHostsFor(domain: string, resolveMx: (d: string) => Promise<Array<{ exchange: string; priority: number }>>, random = Math.random): Promise<MxHost[]> {
  let records: Array<{ exchange: string; priority: number }>;
  try {
    records = await resolveMx(domain);
  } catch (err) {
    if (code(err) === 'ENOTFOUND') throw new PermanentRouteError(`5.1.2 domain ${domain} does not exist`);
    if (code(err) !== 'ENODATA') throw err;
    records = [];
  }
  if (records.some((r) => isNullMx(r.exchange))) {
    // RFC 7505 §3: a null MX beside real ones is a misconfiguration; the real ones are still tried
    const real = records.filter((r) => !isNullMx(r.exchange));
    if (!real.length) throw new PermanentRouteError(`5.1.10 ${domain} does not accept mail (null MX, RFC 7505)`);
    records = real;
  }
  if (!records.length) return [{ name: domain, priority: 0, implicit: true }];
  const shuffled = records.map((r) => ({ r, k: random() }));
  shuffled.sort((a, b) => a.r.priority - b.r.priority || a.k - b.k);
  const seen = new Set<string>();
  const hosts: MxHost[] = [];
  for (const { r } of shuffled) {
    const name = r.exchange.replace(/\.$/, '').toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    hosts.push({ name, priority: r.priority, implicit: false });
  }
  return hosts;
}

/**
 * The addresses of one host, IPv6 first then IPv4 (both asked at once). An MX that names an address
 * literal (against RFC 5321 but seen) is used as it is. A host without addresses answers [] (the
 * next MX is tried); a DNS failure of both families is thrown (temporary).
 */
export async function addressesOf(host: string, resolve: DnsResolver): Promise<string[]> {
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(literal)) return [literal];
  const [v6, v4] = await Promise.allSettled([resolve(host, 'AAAA'), resolve(host, 'A')]);
  const failed = [v6, v4].filter((r): r is PromiseRejectedResult => r.status === 'rejected' && !NO_SUCH.has(code(r.reason)));
  const found = [v6, v4].flatMap((r) => (r.status === 'fulfilled' ? (r.value as string[]) : []));
  if (!found.length && failed.length) throw failed[0].reason;
  return found;
}
