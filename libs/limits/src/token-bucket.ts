import { connectionMetrics } from './limit-metrics.js';

/**
 * Commands per second for one session: a bucket of `burst` tokens refilled at `perSecond`. A
 * command that finds the bucket empty waits for its token instead of failing, so a client that
 * sends too fast is slowed down to the rate (pipelined bursts of a normal client fit the burst).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** takes a token; returns how long (ms) the caller should wait before acting (0: at once) */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }
}

/** Waits for the session's next command token (when it has a bucket), counting the commands it slowed. */
export async function paceCommand(bucket: TokenBucket | undefined, protocol: string): Promise<void> {
  const wait = bucket?.take() ?? 0;
  if (wait <= 0) return;
  connectionMetrics().rateLimited.add(1, { protocol, limit: 'commands' });
  await new Promise((resolve) => setTimeout(resolve, wait));
}

/**
 * The bucket for a new session from `address`: none when there is no rate or the client is on an
 * exempt network (benchmarks, webmail and local tools talk to us from loopback).
 */
export function commandPacer(perSecond: number | undefined, exempt?: { has(address: string | undefined): boolean }): (address: string | undefined) => TokenBucket | undefined {
  return (address) => (perSecond && !exempt?.has(address) ? new TokenBucket(perSecond, perSecond * 5) : undefined);
}
