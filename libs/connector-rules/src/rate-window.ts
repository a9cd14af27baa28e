/**
 * Messages per key over the last minute, in this process (a relay connector's
 * maxMessagesPerMinute per client IP). Counts per second in a ring, so memory per key is fixed.
 */
export class RateWindow {
  private readonly keys = new Map<string, { slots: Uint32Array; stamps: Float64Array }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** counts one for `key` if that keeps it within `limit` per minute; false (nothing counted) otherwise */
  take(key: string, limit: number): boolean {
    const second = Math.floor(this.now() / 1000);
    let k = this.keys.get(key);
    if (!k) {
      if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
      k = { slots: new Uint32Array(60), stamps: new Float64Array(60) };
      this.keys.set(key, k);
    }
    let total = 0;
    for (let i = 0; i < 60; i++) if (second - k.stamps[i] < 60) total += k.slots[i];
    if (total >= limit) return false;
    const slot = second % 60;
    if (k.stamps[slot] !== second) {
      k.stamps[slot] = second;
      k.slots[slot] = 0;
    }
    k.slots[slot]++;
    return true;
  }
}
