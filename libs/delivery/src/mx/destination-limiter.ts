/**
 * At most `limit` concurrent deliveries to one destination (the recipient domain) from this
 * replica: large receivers throttle senders that open many connections at once (421 4.7.0 "too many
 * connections"), and one slow domain must not take every worker. Waiters go in arrival order.
 */
export class DestinationLimiter {
  private readonly slots = new Map<string, { active: number; waiting: Array<() => void> }>();

  constructor(private readonly limit: number) {}

  async run<T>(destination: string, fn: () => Promise<T>): Promise<T> {
    if (this.limit <= 0) return fn();
    const slot = this.slots.get(destination) ?? { active: 0, waiting: [] };
    this.slots.set(destination, slot);
    if (slot.active >= this.limit) await new Promise<void>((resolve) => slot.waiting.push(resolve));
    slot.active++;
    try {
      return await fn();
    } finally {
      slot.active--;
      const next = slot.waiting.shift();
      if (next) next();
      else if (slot.active === 0) this.slots.delete(destination);
    }
  }

  /** deliveries under way to `destination` (for tests and metrics) */
  active(destination: string): number {
    return this.slots.get(destination)?.active ?? 0;
  }
}
