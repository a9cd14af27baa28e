import { trimOldest } from '@mail/limits';

export interface TtlMemoOptions<A extends unknown[], V> {
  /** the cache key of a call's arguments */
  key: (...args: A) => string;
  /** how long an outcome is reused */
  ttlMs: number;
  maxEntries: number;
  /** which successful outcomes may be reused (default: all) */
  keepValue?: (value: V) => boolean;
  /** which failures may be reused (default: none) */
  keepError?: (error: unknown) => boolean;
  now?: () => number;
}

interface Entry<V> {
  expiresAt: number;
  value?: V;
  error?: unknown;
  failed: boolean;
}

/**
 * An async function whose outcomes are reused for `ttlMs`, per key: concurrent calls with one key
 * share one call, and the oldest entries go first past `maxEntries`. What may be reused is the
 * caller's choice (a DNS "no such name" may, a timeout may not).
 */
export function memoizeWithTtl<A extends unknown[], V>(fn: (...args: A) => Promise<V>, opts: TtlMemoOptions<A, V>): (...args: A) => Promise<V> {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry<V>>();
  const inFlight = new Map<string, Promise<V>>();

  const remember = (key: string, entry: Omit<Entry<V>, 'expiresAt'>) => {
    entries.set(key, { ...entry, expiresAt: now() + opts.ttlMs });
    trimOldest(entries, opts.maxEntries);
  };

  return (...args: A) => {
    const key = opts.key(...args);
    const hit = entries.get(key);
    if (hit && hit.expiresAt > now()) return hit.failed ? Promise.reject(hit.error) : Promise.resolve(hit.value as V);
    if (hit) entries.delete(key);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const asked = fn(...args).then(
      (value) => {
        inFlight.delete(key);
        if (opts.keepValue?.(value) ?? true) remember(key, { value, failed: false });
        return value;
      },
      (error: unknown) => {
        inFlight.delete(key);
        if (opts.keepError?.(error)) remember(key, { error, failed: true });
        throw error;
      },
    );
    inFlight.set(key, asked);
    return asked;
  };
}
