/**
 * Group commit: callers hand in one item each and are answered when a statement holding their item
 * has committed. While a write is in flight, new items gather and go together in the next write,
 * so under concurrency N callers cost one round trip and one commit instead of N, and a lone caller
 * waits for nobody (no timer, no added latency).
 *
 * A write may answer one result per item, in the items' order: each caller gets its own (e.g. what
 * the statement saw for that item); a write that answers nothing resolves every caller with undefined.
 *
 * `gatherTurn`: an idle batcher waits one turn of the event loop (setImmediate) before its first
 * write, so callers woken by the same event (an append batch's change events reaching several IDLE
 * sessions, ADR 0071) share it too; with PGlite a statement finishes inside the call, so nothing
 * gathers behind a first write that runs at once, only behind its fdatasync.
 *
 * When a write of several items fails, each is retried alone: one bad item fails only its caller,
 * and a caller is never told its item failed when it was in fact written by the retry.
 */
export class GroupCommit<T, R = void> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<readonly R[] | void>,
    private readonly maxBatch = 100,
    private readonly gatherTurn = false,
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      if (this.gatherTurn) await new Promise((r) => setImmediate(r));
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const results = await this.write(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results?.[i] as R));
        } catch (err) {
          if (batch.length === 1) batch[0].reject(err);
          else await Promise.all(batch.map((b) => this.write([b.item]).then((r) => b.resolve(r?.[0] as R), b.reject)));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
