/**
 * Group commit: callers hand in one item each and are answered when a statement holding their item
 * has committed. While a write is in flight, new items gather and go together in the next write,
 * so under concurrency N callers cost one round trip and one commit instead of N, and a lone caller
 * waits for nobody (no timer, no added latency).
 *
 * When a write of several items fails, each is retried alone: one bad item fails only its caller,
 * and a caller is never told its item failed when it was in fact written by the retry.
 */
export class GroupCommit<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 100,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          await this.write(batch.map((b) => b.item));
          for (const b of batch) b.resolve();
        } catch (err) {
          if (batch.length === 1) batch[0].reject(err);
          else await Promise.all(batch.map((b) => this.write([b.item]).then(b.resolve, b.reject)));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
