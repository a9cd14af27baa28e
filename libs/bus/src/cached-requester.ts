import type { EventContract, RequestContract, RequestOf, ResponseOf } from '@mail/contracts';
import { trimOldest } from '@mail/limits';
import type { Bus, Subscription } from './bus.port.js';

export interface CachedRequesterOptions {
  /** how long an answer is reused; 0 turns the cache off (every call asks) */
  ttlMs: number;
  /** the least recently used answers go first past this many */
  maxEntries: number;
  /** an event after which every cached answer may be wrong (e.g. the directory changed) */
  invalidatedBy?: EventContract;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/**
 * Answers of one read-only request, reused for a short while: the RCPT of every message and the
 * delivery of every recipient ask the directory the same questions hundreds of times a second.
 * The owner's change event empties the cache at once; the TTL bounds staleness when an event is
 * lost (core NATS delivers events at most once). Concurrent asks for the same key share one
 * request, and errors are never cached.
 */
export class CachedRequester<C extends RequestContract> {
  private readonly entries = new Map<string, Entry<ResponseOf<C>>>();
  private readonly inFlight = new Map<string, Promise<ResponseOf<C>>>();
  /** bumped by every invalidation: an answer asked for before it must not be stored after it */
  private generation = 0;
  private subscription?: Subscription;

  constructor(
    private readonly bus: Bus,
    private readonly contract: C,
    private readonly opts: CachedRequesterOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    if (this.opts.invalidatedBy && !this.subscription && this.opts.ttlMs > 0) {
      this.subscription = await this.bus.subscribe(this.opts.invalidatedBy, () => this.clear());
    }
  }

  async stop(): Promise<void> {
    const sub = this.subscription;
    this.subscription = undefined;
    await sub?.unsubscribe();
    this.clear();
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.inFlight.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  async request(payload: RequestOf<C>): Promise<ResponseOf<C>> {
    if (this.opts.ttlMs <= 0) return this.bus.request(this.contract, payload);
    const key = JSON.stringify(payload);
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) {
      // re-insert: Map keeps insertion order, so the first key is always the least recently used
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    if (hit) this.entries.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;

    const generation = this.generation;
    const asked = this.bus.request(this.contract, payload).then(
      (value) => {
        if (this.inFlight.get(key) === asked) this.inFlight.delete(key);
        if (generation === this.generation) this.store(key, value);
        return value;
      },
      (err: unknown) => {
        if (this.inFlight.get(key) === asked) this.inFlight.delete(key);
        throw err;
      },
    );
    this.inFlight.set(key, asked);
    return asked;
  }

  private store(key: string, value: ResponseOf<C>): void {
    this.entries.set(key, { value, expiresAt: this.now() + this.opts.ttlMs });
    trimOldest(this.entries, this.opts.maxEntries);
  }
}
