import { PeriodicJob } from '@mail/db';
import type { Logger } from '@mail/telemetry';
import type { QueueRepository } from './queue.repository.js';

const SWEEP_BATCH = 1000;

/**
 * Forgets messages the queue is done with. A queue row stays after its last recipient is final so
 * that operators can trace it (`mailctl queue`, the admin API); after `retentionHours` from its
 * arrival it is deleted with its recipients and the index it carried (ADR 0007). A message still
 * waiting on a recipient is never deleted, however old.
 *
 * The blobs are not this sweep's: a locally delivered copy belongs to the store, which counts its
 * references; a blob only the queue used (remote-only mail, bounces) is left for a blob collector
 * that knows every service's references (not built yet).
 */
export class QueueRetention {
  private readonly job: PeriodicJob;

  constructor(
    private readonly repo: QueueRepository,
    private readonly retentionHours: number,
    private readonly logger: Logger,
  ) {
    this.job = new PeriodicJob(
      async () => {
        const n = await this.sweep();
        if (n) this.logger.info({ messages: n, retentionHours }, 'removed finished messages from the queue');
      },
      (err) => this.logger.warn({ err }, 'queue retention sweep failed'),
    );
  }

  /** Deletes every finished message past retention, a batch at a time; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionHours * 3_600_000);
    let total = 0;
    for (;;) {
      const n = await this.repo.deleteFinished(cutoff, SWEEP_BATCH);
      total += n;
      if (n < SWEEP_BATCH) return total;
    }
  }

  start(intervalMs: number): void {
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
