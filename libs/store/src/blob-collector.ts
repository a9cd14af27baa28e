import { BlobStore } from '@mail/blob';
import type { Database } from '@mail/db';
import type { Logger } from '@mail/telemetry';
import type { IndexRepository } from './index.repository.js';

const SWEEP_BATCH = 500;

/**
 * Deletes blobs nobody references any more. The index rows are deleted in the caller's
 * transaction; the blobs only after it committed, best effort: a blob that fails to delete is an
 * orphan (wasted space, never a dangling reference) and is logged with its key.
 */
export class BlobCollector {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly indexes: IndexRepository,
    private readonly blobs: BlobStore,
    private readonly graceSeconds: number,
    private readonly logger: Logger,
  ) {}

  async deleteBlobs(keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.blobs.delete(key);
      } catch (err) {
        this.logger.warn({ err, blobKey: key }, 'orphaned blob: delete failed after its last reference went away');
      }
    }
  }

  /** Collects unreferenced index rows past the grace period, batch by batch. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const keys = await this.db.transaction((tx) => this.indexes.sweep(tx, this.graceSeconds, SWEEP_BATCH));
      await this.deleteBlobs(keys);
      total += keys.length;
      if (keys.length < SWEEP_BATCH) return total;
    }
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .then((n) => void (n && this.logger.info({ blobs: n }, 'swept unreferenced blobs')))
        .catch((err) => this.logger.warn({ err }, 'blob sweep failed'))
        .finally(() => (this.sweeping = null));
    }, intervalMs);
    // the sweep is housekeeping: it never keeps a process alive
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}
