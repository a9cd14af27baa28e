import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { LeaseStore } from './lease-store.port.js';
import { encodeKey } from './kv-key.js';

interface LeaseValue {
  holder: string;
  expiresAt: number;
}

/**
 * Leases in a JetStream key-value bucket. Every change is a compare-and-set on the key's revision,
 * so two replicas racing for one maildrop cannot both win. Expiry is in the value (not a per-key TTL)
 * because that works on every JetStream server version.
 */
export class NatsKvLeaseStore extends LeaseStore {
  private constructor(private readonly kv: KV) {
    super();
  }

  static async open(nc: NatsConnection, bucket: string): Promise<NatsKvLeaseStore> {
    const { Kvm } = await import('@nats-io/kv'); // loaded at the first open (ADR 0070)
    const kv = await new Kvm(nc).create(bucket.replace(/[^A-Za-z0-9_-]/g, '_'), { history: 1 });
    return new NatsKvLeaseStore(kv);
  }

  async acquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const k = encodeKey(key);
    const value = encodeValue({ holder, expiresAt: Date.now() + ttlMs });
    try {
      await this.kv.create(k, value);
      return true;
    } catch {
      // exists: take it over only if it expired or is ours
    }
    const entry = await this.kv.get(k);
    if (!entry || entry.operation !== 'PUT') {
      return this.kv.create(k, value).then(() => true, () => false);
    }
    const current = entry.json<LeaseValue>();
    if (current.holder !== holder && current.expiresAt > Date.now()) return false;
    return this.kv.update(k, value, entry.revision).then(() => true, () => false);
  }

  async renew(key: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.acquire(key, holder, ttlMs);
  }

  async release(key: string, holder: string): Promise<void> {
    const k = encodeKey(key);
    const entry = await this.kv.get(k);
    if (!entry || entry.operation !== 'PUT') return;
    if (entry.json<LeaseValue>().holder !== holder) return;
    await this.kv.delete(k, { previousSeq: entry.revision }).catch(() => undefined);
  }
}


function encodeValue(v: LeaseValue): Uint8Array {
  return Buffer.from(JSON.stringify(v));
}
