import type { DnsResolver } from './smtp-in.config.js';

/** Answers that say "there is nothing there": as cacheable as an answer (RFC 2308). */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

export interface CachingResolverOptions {
  /** how long an answer or a negative answer is reused */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry {
  expiresAt: number;
  value?: unknown;
  error?: unknown;
}

/**
 * A small in-process DNS cache in front of the system resolver for the SPF check: mail from one
 * sender domain arrives in bursts, and asking the network for the same TXT record for every
 * message costs a round trip each time and, with a rate-limited or lossy resolver, a one-second
 * retransmission now and then (measured: ~1 % of lookups, ~50 queries/s ceiling on these
 * machines). Node's resolver gives no TTLs for TXT, so a fixed short TTL stands in for them;
 * failures that may pass (timeouts, SERVFAIL) are never cached. Concurrent lookups share one query.
 */
export function cachingResolver(resolver: DnsResolver, opts: CachingResolverOptions): DnsResolver {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<unknown>>();

  const remember = (key: string, entry: Omit<Entry, 'expiresAt'>) => {
    entries.set(key, { ...entry, expiresAt: now() + opts.ttlMs });
    while (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = entries.get(key);
    if (hit && hit.expiresAt > now()) return hit.error !== undefined ? Promise.reject(hit.error) : Promise.resolve(hit.value);
    if (hit) entries.delete(key);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const asked = resolver(name, rrtype).then(
      (value) => {
        inFlight.delete(key);
        remember(key, { value });
        return value;
      },
      (error: unknown) => {
        inFlight.delete(key);
        if (NEGATIVE.has((error as { code?: string })?.code ?? '')) remember(key, { error });
        throw error;
      },
    );
    inFlight.set(key, asked);
    return asked;
  };
}
