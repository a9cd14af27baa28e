/** One counter to move: `by` 0 only reads it. */
export interface CounterStep {
  key: string;
  by: number;
}

/**
 * Login counters shared by every replica of the auth service. Each counter lives in a fixed
 * window: the first step after the window ended starts a new one. `step` is atomic per counter, so
 * 200 parallel attempts get 200 different counts and no more than the limit get past it.
 */
export abstract class LoginThrottleStore {
  /** applies every step and returns each counter's value after it */
  abstract step(steps: CounterStep[], windowMs: number, now: Date): Promise<Map<string, number>>;
  /** takes `by` off each counter (not below 0); `by` Infinity clears it */
  abstract forgive(keys: string[], by: number, now: Date): Promise<void>;
  /** forgets counters whose window ended */
  abstract sweep(now: Date): Promise<void>;
}

/** For service tests: one process, so a map is atomic enough. */
export class MemoryLoginThrottleStore extends LoginThrottleStore {
  readonly counters = new Map<string, { hits: number; endsAt: number }>();

  async step(steps: CounterStep[], windowMs: number, now: Date): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const { key, by } of steps) {
      const c = this.counters.get(key);
      const fresh = !c || c.endsAt <= now.getTime();
      const next = fresh ? { hits: by, endsAt: now.getTime() + windowMs } : { hits: c.hits + by, endsAt: c.endsAt };
      this.counters.set(key, next);
      out.set(key, next.hits);
    }
    return out;
  }

  async forgive(keys: string[], by: number, now: Date): Promise<void> {
    for (const key of keys) {
      if (by === Infinity) {
        this.counters.delete(key);
        continue;
      }
      const c = this.counters.get(key);
      if (c && c.endsAt > now.getTime()) c.hits = Math.max(0, c.hits - by);
    }
  }

  async sweep(now: Date): Promise<void> {
    for (const [key, c] of this.counters) if (c.endsAt <= now.getTime()) this.counters.delete(key);
  }
}
