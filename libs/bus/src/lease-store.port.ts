/**
 * Cluster-wide leases with an owner and an expiry (POP3 maildrop locks, singleton jobs). A lease that
 * is not renewed expires, so a crashed replica never holds a lock forever.
 */
export abstract class LeaseStore {
  /** true if `holder` now holds `key` (it was free, expired, or already held by `holder`) */
  abstract acquire(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** false if the lease was lost (expired and taken by someone else) */
  abstract renew(key: string, holder: string, ttlMs: number): Promise<boolean>;
  abstract release(key: string, holder: string): Promise<void>;
}
