import { promises as dns } from 'node:dns';
import { cachingResolver } from './caching-resolver.js';

/**
 * One DNS lookup, as `dns.promises.resolve(name, rrtype)` answers it (TXT: string[][], MX:
 * { exchange, priority }[], A/AAAA: string[] ...). mailauth's `resolver` option takes this shape, so
 * SPF, DKIM, DMARC, ARC and MTA-STS lookups share one resolver with the MX lookups of delivery.
 */
export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;

export interface DnsResolverOptions {
  /** `DNS_SERVERS` parsed by `parseDnsServers`; empty or absent: the system's resolvers */
  servers?: readonly string[];
  /** an answer not here within this long is a temporary error (`ETIMEOUT`), never a hang */
  timeoutMs?: number;
  /** reuse of answers and of "no such name" (0: none). Node gives no TTLs for most types. */
  cacheTtlMs?: number;
  maxEntries?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * The resolver every DNS lookup of the platform goes through. Pointing `DNS_SERVERS` at a server on
 * loopback is how tests (and operators with a local validating resolver) decide what the platform
 * sees; without it the system's resolvers answer.
 */
export function createDnsResolver(opts: DnsResolverOptions = {}): DnsResolver {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // c-ares retries on its own; one try per server within our deadline keeps a dead server cheap.
  const resolver = new dns.Resolver({ timeout: Math.max(100, Math.floor(timeoutMs / 2)), tries: 2 });
  if (opts.servers?.length) resolver.setServers([...opts.servers]);
  const ask: DnsResolver = (name, rrtype) => resolver.resolve(name, rrtype as 'TXT');
  const bounded = boundedResolver(ask, timeoutMs);
  const ttlMs = opts.cacheTtlMs ?? 0;
  return ttlMs > 0 ? cachingResolver(bounded, { ttlMs, maxEntries: opts.maxEntries ?? 10_000 }) : bounded;
}

/** A resolver that answers within `timeoutMs` or fails with `ETIMEOUT` (a temporary error). */
export function boundedResolver(resolver: DnsResolver, timeoutMs: number): DnsResolver {
  return (name, rrtype) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error(`DNS timeout for ${name} ${rrtype}`), { code: 'ETIMEOUT' })), timeoutMs);
      resolver(name, rrtype).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
}
