import { trimOldest } from './trim-oldest.js';

interface Entry {
  start: number;
  current: number;
  previous: number;
}

/**
 * Events per key over the last `windowMs`, estimated from two fixed windows (the current one and
 * the previous one, weighted by how much of it still overlaps): constant memory per key, no list
 * of timestamps an attacker could grow.
 */
export class RateWindow {
  private readonly counts = new Map<string, Entry>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** keys kept at most; the oldest go first (a flood of new keys must not grow memory without bound) */
    private readonly maxKeys = 100_000,
  ) {}

  /** the estimate for `key` including `by` more events, without recording them */
  peek(key: string, by = 1): number {
    const e = this.existing(key);
    if (!e) return by;
    const t = this.now();
    const overlap = 1 - (t - e.start) / this.windowMs;
    return e.current + e.previous * Math.max(0, overlap) + by;
  }

  /** records `by` events for `key` if that keeps its estimate at most `limit`; false (nothing recorded) otherwise */
  tryAdd(key: string, limit: number, by = 1): boolean {
    if (this.peek(key, by) > limit) return false;
    const e = this.existing(key) ?? this.created(key);
    e.current += by;
    return true;
  }

  /** the key's entry rolled forward to the current window, if the key is known */
  private existing(key: string): Entry | undefined {
    let e = this.counts.get(key);
    if (!e) return undefined;
    const t = this.now();
    const elapsed = Math.floor((t - e.start) / this.windowMs);
    if (elapsed === 1) e = { start: e.start + this.windowMs, current: 0, previous: e.current };
    else if (elapsed > 1) e = { start: t, current: 0, previous: 0 };
    this.counts.set(key, e);
    return e;
  }

  private created(key: string): Entry {
    trimOldest(this.counts, this.maxKeys - 1);
    const e = { start: this.now(), current: 0, previous: 0 };
    this.counts.set(key, e);
    return e;
  }
}
