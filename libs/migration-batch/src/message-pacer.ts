/**
 * Messages per second for one connection to a source host. The batch's rate is shared out over
 * its connections (rate / max connections each): with at most `max connections` running anywhere
 * in the cluster, the host never sees more than the batch's rate, and no replica needs to talk to
 * another to keep it (ADR 0030).
 */
export class MessagePacer {
  private next = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = abortableSleep,
  ) {}

  /** waits until `n` more messages fit the rate (or the signal aborts); returns how long it waited (ms) */
  async take(n: number, signal?: AbortSignal): Promise<number> {
    const t = this.now();
    const start = Math.max(t, this.next);
    this.next = start + (n * 1000) / this.perSecond;
    // the first messages of a chunk may go at once: waiting is for the time the previous chunk took from the budget
    const wait = start - t;
    if (wait > 0) await this.sleep(wait, signal);
    return wait;
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
