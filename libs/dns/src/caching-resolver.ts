import type { DnsResolver } from './dns-resolver.js';
import { memoizeWithTtl } from './ttl-memo.js';

/** Answers that say "there is nothing there": as cacheable as an answer (RFC 2308). */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

export interface CachingResolverOptions {
  /** how long an answer or a negative answer is reused */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/**
 * A small in-process DNS cache in front of the resolver: mail from one sender domain arrives in
 * bursts (SPF, DKIM and DMARC records) and mail to one domain leaves in bursts (MX). Asking the
 * network for the same record for every message costs a round trip each time and, with a
 * rate-limited or lossy resolver, a one-second retransmission now and then (measured: ~1 % of lookups, ~50 queries/s ceiling on these
 * machines). Node's resolver gives no TTLs for TXT, so a fixed short TTL stands in for them;
 * failures that may pass (timeouts, SERVFAIL) are never cached. Concurrent lookups share one query.
 */
export function cachingResolver(resolver: DnsResolver, opts: CachingResolverOptions): DnsResolver {
  return memoizeWithTtl(resolver, {
    key: (name, rrtype) => `${rrtype} ${name.toLowerCase()}`,
    ttlMs: opts.ttlMs,
    maxEntries: opts.maxEntries,
    now: opts.now,
    keepError: (error) => NEGATIVE.has((error as { code?: string })?.code ?? ''),
  });
}
