import { metrics, type Counter } from '@opentelemetry/api';
import { LogThrottle } from './log-throttle.js';
import type { SharedCounters } from './shared-counters.port.js';
import { trimOldest } from './trim-oldest.js';

interface Entry {
  /** fixed window number: floor(time / windowMs), the same on every replica */
  window: number;
  /** what this replica counted in the window */
  local: number;
  /** counted here but not yet added to the shared counter */
  pending: number;
  /** counted here and already added */
  synced: number;
  /** the other replicas' part of the window, as of the last exchange with the shared counter */
  others: number;
  /** the whole cluster's count in the previous window */
  previous: number;
}

export interface ClusterRateWindowOptions {
  /** what is limited (metric label, and the shared keys' prefix): e.g. `smtp.mx.messages` */
  name: string;
  windowMs: number;
  /** the shared counters; without them the window is this process's alone */
  store?: SharedCounters;
  /** how often counts go to the shared counters (default 1 s) */
  syncMs?: number;
  /** how long one exchange may take before the replica goes on alone (default 2 s) */
  syncTimeoutMs?: number;
  logger?: { warn(fields: object, message: string): void };
  now?: () => number;
  /** keys kept at most; the oldest go first (a flood of new keys must not grow memory without bound) */
  maxKeys?: number;
}

let storeErrors: Counter | undefined;
function storeErrorCounter(): Counter {
  storeErrors ??= metrics.getMeter('limits').createCounter('mail_limit_store_errors_total', { description: 'Exchanges with the shared rate counters that failed (the replica counted alone meanwhile), by limit' });
  return storeErrors;
}

/**
 * A rate limit counted across replicas, decided locally (ADR 0039). Each decision is synchronous
 * and in memory: this replica's count plus the others' as last heard, over fixed windows aligned on
 * the clock (so every replica means the same window), the previous window weighted by how much of
 * it still overlaps. Counts travel to the shared counters in the background, one addition per key
 * and second, never on the mail path; the answer brings back the others' part. So a client that
 * spreads over N replicas is held to the limit within about one sync interval, and when the shared
 * store is unreachable each replica goes on with what it knows (at worst its own count: the
 * per-replica limit of before), never blocking mail on the limit store.
 */
export class ClusterRateWindow {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly logThrottle = new LogThrottle(60_000);
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;

  constructor(private readonly o: ClusterRateWindowOptions) {
    this.now = o.now ?? Date.now;
    if (o.store) {
      storeErrorCounter().add(0, { limit: o.name });
      this.timer = setInterval(() => void this.sync(), o.syncMs ?? 1000);
      this.timer.unref();
    }
  }

  /** the estimate for `key` including `by` more, without recording them */
  peek(key: string, by = 1): number {
    const e = this.entries.get(key);
    if (!e) return by;
    const t = this.now();
    this.roll(e, this.windowOf(t));
    const overlap = 1 - (t - e.window * this.o.windowMs) / this.o.windowMs;
    return e.local + e.others + e.previous * Math.max(0, overlap) + by;
  }

  /** counts `by` for `key` if that keeps its estimate within `limit`; false (nothing counted) otherwise */
  tryAdd(key: string, limit: number, by = 1): boolean {
    if (this.peek(key, by) > limit) return false;
    const e = this.entry(key);
    e.local += by;
    if (this.o.store) e.pending += by;
    return true;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** one exchange with the shared counters for every key counted since the last one */
  async sync(): Promise<void> {
    const store = this.o.store;
    if (!store || this.syncing) return;
    this.syncing = true;
    try {
      const due = [...this.entries].filter(([, e]) => e.pending > 0);
      // a bounded number in flight: a flood of clients must not open thousands of requests at once
      for (let i = 0; i < due.length; i += 32) await Promise.all(due.slice(i, i + 32).map(([key, e]) => this.push(store, key, e)));
    } finally {
      this.syncing = false;
    }
  }

  private async push(store: SharedCounters, key: string, e: Entry): Promise<void> {
    const window = e.window;
    const sent = e.pending;
    e.pending = 0;
    try {
      const total = await withTimeout(store.add(`${this.o.name}.${key}`, window, sent), this.o.syncTimeoutMs ?? 2000);
      if (e.window !== window) return;
      e.synced += sent;
      e.others = Math.max(0, total - e.synced);
    } catch (err) {
      // on our own until the store answers again; the counts go with the next exchange of this window
      if (e.window === window) e.pending += sent;
      storeErrorCounter().add(1, { limit: this.o.name });
      const held = this.logThrottle.take(this.o.name);
      if (held !== undefined) this.o.logger?.warn({ limit: this.o.name, err: (err as Error).message, alsoFailedSinceLastLine: held || undefined }, 'shared rate counters unreachable: counting on this replica alone');
    }
  }

  private windowOf(t: number): number {
    return Math.floor(t / this.o.windowMs);
  }

  private roll(e: Entry, window: number): void {
    if (e.window === window) return;
    e.previous = e.window === window - 1 ? e.local + e.others : 0;
    Object.assign(e, { window, local: 0, pending: 0, synced: 0, others: 0 });
  }

  private entry(key: string): Entry {
    const window = this.windowOf(this.now());
    let e = this.entries.get(key);
    if (e) {
      this.roll(e, window);
      return e;
    }
    trimOldest(this.entries, (this.o.maxKeys ?? 100_000) - 1);
    e = { window, local: 0, pending: 0, synced: 0, others: 0, previous: 0 };
    this.entries.set(key, e);
    return e;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}
