import { LeaseStore } from './lease-store.port.js';

/** Leases for the embedded mode: one process, so a map is the whole cluster. */
export class MemoryLeaseStore extends LeaseStore {
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>();

  async acquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const current = this.leases.get(key);
    if (current && current.holder !== holder && current.expiresAt > now) return false;
    this.leases.set(key, { holder, expiresAt: now + ttlMs });
    return true;
  }

  async renew(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const current = this.leases.get(key);
    if (!current || current.holder !== holder) return this.acquire(key, holder, ttlMs);
    current.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.leases.get(key)?.holder === holder) this.leases.delete(key);
  }
}
