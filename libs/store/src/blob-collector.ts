import { BlobStore } from '@mail/blob';
import { PeriodicJob, type Database } from '@mail/db';
import type { Logger } from '@mail/telemetry';
import type { IndexRepository } from './index.repository.js';

const SWEEP_BATCH = 500;

/**
 * Deletes blobs nobody references any more. The index rows are deleted in the caller's
 * transaction; the blobs only after it committed, best effort: a blob that fails to delete is an
 * orphan (wasted space, never a dangling reference) and is logged with its key.
 */
export class BlobCollector {
  private readonly job = new PeriodicJob(
    async () => {
      const n = await this.sweep();
      if (n) this.logger.info({ blobs: n }, 'swept unreferenced blobs');
    },
    (err) => this.logger.warn({ err }, 'blob sweep failed'),
  );

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
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
