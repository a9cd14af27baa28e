import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { SharedCounters } from '@mail/limits';
import { encodeKey } from './kv-key.js';

/**
 * Shared rate counters (ADR 0039) in a JetStream key-value bucket: one key per counter and window,
 * added to by compare-and-set on its revision (a lost race reads again), gone with the bucket's
 * TTL once no window could still ask for it.
 */
export class NatsKvCounters extends SharedCounters {
  private constructor(private readonly kv: KV) {
    super();
  }

  /** `ttlMs` must outlast the longest window counted in it (and its successor, which reads it) */
  static async open(nc: NatsConnection, bucket: string, ttlMs = 10 * 60_000): Promise<NatsKvCounters> {
    const { Kvm } = await import('@nats-io/kv'); // loaded at the first open (ADR 0070)
    const kv = await new Kvm(nc).create(bucket.replace(/[^A-Za-z0-9_-]/g, '_'), { history: 1, ttl: ttlMs });
    return new NatsKvCounters(kv);
  }

  async add(key: string, window: number, by: number): Promise<number> {
    const k = `${encodeKey(key)}.${window}`;
    for (let attempt = 0; attempt < 40; attempt++) {
      const entry = await this.kv.get(k);
      if (!entry || entry.operation !== 'PUT') {
        const created = await this.kv.create(k, String(by)).then(() => true, () => false);
        if (created) return by;
      } else {
        const next = Number(entry.string()) + by;
        const updated = await this.kv.update(k, String(next), entry.revision).then(() => true, () => false);
        if (updated) return next;
      }
      // lost a race with another replica: back off a little, at random, so the racers spread out
      await new Promise((r) => setTimeout(r, Math.random() * 2 * (attempt + 1)));
    }
    throw new Error(`shared counter ${key}: too many concurrent updates`);
  }
}
