/**
 * At most one log line per key and interval, with the count of what it held back: under an attack
 * a refusal per connection would flood the log with the very lines an operator needs to read.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: hold this one back; a number: log now, that many were held back since the last line */
  take(key: string): number | undefined {
    const t = this.now();
    const entry = this.last.get(key);
    if (entry && t - entry.at < this.intervalMs) {
      entry.suppressed++;
      return undefined;
    }
    if (this.last.size > 10_000) this.last.clear();
    this.last.set(key, { at: t, suppressed: 0 });
    return entry?.suppressed ?? 0;
  }
}
