import { randomUUID } from 'node:crypto';
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { LogThrottle, SessionSlots } from '@mail/limits';
import type { Logger } from 'pino';
import { encodeKey } from './kv-key.js';

/** replica id → until when (ms since the epoch, the writer's clock) its counts are believed */
type Liveness = Record<string, number>;
/** replica id → sessions of the key it holds */
type Held = Record<string, number>;

const REPLICAS_KEY = 'replicas';

export interface NatsKvSessionSlotsOptions {
  /** how long a replica's counts are believed after its last heartbeat (default 30 s); it beats every third of that */
  ttlMs?: number;
  /** a LOGIN waits at most this long for the bucket before deciding on this replica's count alone (default 2 s) */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * Sessions per account across the cluster (ADR 0065) in a JetStream key-value bucket: one key per
 * account holding each replica's count of its sessions, changed by compare-and-set on the key's
 * revision, and one key where every replica renews its liveness every `ttlMs / 3`. A count is
 * believed only while its replica is live, so a replica that dies without a word stops counting
 * `ttlMs` after its last heartbeat: nothing leaks, and no per-session renewal is needed (the
 * heartbeat is one write per replica, whatever the number of sessions). A LOGIN costs one read and
 * one write of its account's key; a logout one more of each, after the client was answered.
 *
 * What this replica holds is counted in memory first (a refusal at the per-replica figure needs no
 * round trip) and written as an absolute number, so a write that failed is repaired by the next
 * one, or by the heartbeat, which writes every key whose last write failed.
 */
export class NatsKvSessionSlots extends SessionSlots {
  readonly replica = randomUUID();
  private readonly local = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly dirty = new Set<string>();
  private live: Liveness = {};
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly throttle = new LogThrottle(60_000);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly kv: KV,
    private readonly o: NatsKvSessionSlotsOptions,
  ) {
    super();
    this.ttlMs = o.ttlMs ?? 30_000;
    this.timeoutMs = o.timeoutMs ?? 2_000;
  }

  /** Opens (or creates) the bucket and announces this replica before it counts anything. */
  static async open(nc: NatsConnection, bucket: string, o: NatsKvSessionSlotsOptions = {}): Promise<NatsKvSessionSlots> {
    // keys nobody wrote for a week (an account whose last writer died, never logged in again) go
    const { Kvm } = await import('@nats-io/kv'); // loaded at the first open (ADR 0070)
    const kv = await new Kvm(nc).create(bucket.replace(/[^A-Za-z0-9_-]/g, '_'), { history: 1, ttl: 7 * 24 * 3600_000 });
    const slots = new NatsKvSessionSlots(kv, o);
    await slots.beat();
    slots.timer = setInterval(() => void slots.beat().catch((err: unknown) => slots.warn('heartbeat', err)), Math.max(50, Math.floor(slots.ttlMs / 3)));
    slots.timer.unref();
    return slots;
  }

  /** sessions this replica holds for `key` */
  held(key: string): number {
    return this.local.get(key) ?? 0;
  }

  async take(key: string, max: number): Promise<(() => void) | undefined> {
    if (max <= 0) return () => undefined;
    if (this.held(key) >= max) return undefined;
    const attempt = this.serial(key, () => this.admit(key, max));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      attempt.then(
        (ok) => ok,
        (err: unknown) => err as Error,
      ),
      new Promise<'slow'>((resolve) => (timer = setTimeout(() => resolve('slow'), this.timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === true) return this.releaser(key);
    if (outcome === false) return undefined;
    // the bucket failed or is slow: decide on this replica's own count, as before the cluster-wide
    // limit; a slot the slow attempt takes after all is given back at once
    this.warn('take', outcome === 'slow' ? new Error(`no answer in ${this.timeoutMs} ms`) : outcome);
    if (outcome === 'slow') void attempt.then((ok) => ok && this.giveBack(key), () => undefined);
    if (this.held(key) >= max) return undefined;
    this.local.set(key, this.held(key) + 1);
    this.dirty.add(key);
    return this.releaser(key);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    // the sessions are gone (the listener closed them): the others count without them at once,
    // and stop believing this replica's counts rather than at its last heartbeat's end
    const keys = [...this.local.keys()];
    this.local.clear();
    await Promise.allSettled(keys.map((key) => this.serial(key, () => this.write(key))));
    await this.updateLiveness((live) => {
      delete live[this.replica];
    }).catch(() => undefined);
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.giveBack(key);
    };
  }

  private giveBack(key: string): void {
    const left = this.held(key) - 1;
    if (left > 0) this.local.set(key, left);
    else this.local.delete(key);
    if (this.closed) return;
    this.dirty.add(key);
    void this.serial(key, () => this.write(key)).catch((err: unknown) => this.warn('release', err));
  }

  /** one more session of `key` here when the live replicas' counts leave room; false when they do not */
  private async admit(key: string, max: number): Promise<boolean> {
    const k = `u.${encodeKey(key)}`;
    for (let attempt = 0; attempt < 40; attempt++) {
      const entry = await this.kv.get(k);
      const held = readHeld(entry);
      const mine = this.held(key);
      if ((await this.othersOf(held)) + mine + 1 > max) return false;
      const next = this.pruned(held);
      next[this.replica] = mine + 1;
      if (await this.put(k, entry, next)) {
        this.local.set(key, mine + 1);
        this.dirty.delete(key);
        return true;
      }
      // another replica changed the key between the read and the write: read again
      await new Promise((r) => setTimeout(r, Math.random() * 2 * (attempt + 1)));
    }
    throw new Error(`session slots of ${key}: too many concurrent updates`);
  }

  /** writes this replica's count of `key` as it is now (0: its entry goes, and the key with the last one) */
  private async write(key: string): Promise<void> {
    const k = `u.${encodeKey(key)}`;
    for (let attempt = 0; attempt < 40; attempt++) {
      const entry = await this.kv.get(k);
      const next = this.pruned(readHeld(entry));
      const mine = this.held(key);
      if (mine > 0) next[this.replica] = mine;
      else delete next[this.replica];
      if (await this.put(k, entry, next)) {
        this.dirty.delete(key);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 2 * (attempt + 1)));
    }
    throw new Error(`session slots of ${key}: too many concurrent updates`);
  }

  private async put(k: string, entry: KvEntry | null, next: Held): Promise<boolean> {
    const exists = !!entry && entry.operation === 'PUT';
    if (!Object.keys(next).length) {
      if (!exists) return true;
      return this.kv.delete(k, { previousSeq: entry.revision }).then(() => true, () => false);
    }
    const value = JSON.stringify(next);
    if (exists) return this.kv.update(k, value, entry.revision).then(() => true, () => false);
    // a deleted key keeps a marker at its last revision: create() accepts it
    return this.kv.create(k, value).then(() => true, () => false);
  }

  /** the sessions the live replicas other than this one hold; an unknown replica sends us to read the liveness key again */
  private async othersOf(held: Held): Promise<number> {
    const others = Object.keys(held).filter((r) => r !== this.replica);
    if (others.some((r) => !(r in this.live))) await this.readLiveness();
    const now = Date.now();
    return others.reduce((sum, r) => sum + ((this.live[r] ?? 0) > now ? (held[r] ?? 0) : 0), 0);
  }

  /** the entries of replicas still live (or unknown yet); what dead ones left is dropped as the key is written anyway */
  private pruned(held: Held): Held {
    const now = Date.now();
    const next: Held = {};
    for (const [r, n] of Object.entries(held)) if (r === this.replica || !(r in this.live) || (this.live[r] ?? 0) > now) next[r] = n;
    return next;
  }

  /** renews this replica's liveness (and forgets replicas long dead), then repairs the keys whose last write failed */
  private async beat(): Promise<void> {
    if (this.closed) return;
    await this.updateLiveness((live) => {
      live[this.replica] = Date.now() + this.ttlMs;
    });
    for (const key of [...this.dirty]) void this.serial(key, () => this.write(key)).catch((err: unknown) => this.warn('repair', err));
  }

  private async updateLiveness(change: (live: Liveness) => void): Promise<void> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const entry = await this.kv.get(REPLICAS_KEY);
      const live: Liveness = entry && entry.operation === 'PUT' ? entry.json<Liveness>() : {};
      const now = Date.now();
      // a replica dead for ten TTLs is forgotten; until then its entries are recognised as dead
      for (const [r, until] of Object.entries(live)) if (until < now - 10 * this.ttlMs) delete live[r];
      change(live);
      const value = JSON.stringify(live);
      const ok = entry && entry.operation === 'PUT' ? await this.kv.update(REPLICAS_KEY, value, entry.revision).then(() => true, () => false) : await this.kv.create(REPLICAS_KEY, value).then(() => true, () => false);
      if (ok) {
        this.live = live;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 2 * (attempt + 1)));
    }
    throw new Error('session slots: too many concurrent liveness updates');
  }

  private async readLiveness(): Promise<void> {
    const entry = await this.kv.get(REPLICAS_KEY);
    this.live = entry && entry.operation === 'PUT' ? entry.json<Liveness>() : {};
  }

  /** one change of a key at a time on this replica, so its count cannot move between a read and a write */
  private serial<T>(key: string, op: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(op, op);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  private warn(what: string, err: unknown): void {
    const held = this.throttle.take(what);
    if (held === undefined) return;
    this.o.logger?.warn({ err: (err as Error)?.message ?? String(err), suppressed: held }, `per-user session count (${what}): the shared bucket failed, this replica decides on its own count`);
  }
}

function readHeld(entry: KvEntry | null): Held {
  if (!entry || entry.operation !== 'PUT') return {};
  try {
    const v = entry.json<Held>();
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
