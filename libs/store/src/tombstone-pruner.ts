import { PeriodicJob, type Database } from '@mail/db';
import type { Logger } from '@mail/telemetry';

const PRUNE_BATCH = 1000;

/**
 * Forgets expunge tombstones older than the retention period, batch by batch, and raises each
 * mailbox's vanished_floor to the highest MODSEQ it forgot, in the same statement, so a QRESYNC
 * answer never claims a completeness it lost.
 */
export class TombstonePruner {
  private readonly job = new PeriodicJob(
    async () => {
      const n = await this.prune();
      if (n) this.logger.info({ tombstones: n }, 'pruned expunge tombstones');
    },
    (err) => this.logger.warn({ err }, 'tombstone pruning failed'),
  );

  constructor(
    private readonly db: Database,
    private readonly retentionSeconds: number,
    private readonly logger: Logger,
  ) {}

  async prune(): Promise<number> {
    let total = 0;
    for (;;) {
      const { rows } = await this.db.query<{ n: number }>(
        `WITH old AS (
           SELECT mailbox_id, uid FROM mail.expunged WHERE expunged_at < now() - make_interval(secs => $1) LIMIT ${PRUNE_BATCH}
         ), gone AS (
           DELETE FROM mail.expunged e USING old WHERE e.mailbox_id = old.mailbox_id AND e.uid = old.uid
           RETURNING e.mailbox_id, e.modseq
         ), floors AS (
           UPDATE mail.mailboxes b SET vanished_floor = GREATEST(b.vanished_floor, g.modseq)
           FROM (SELECT mailbox_id, max(modseq) AS modseq FROM gone GROUP BY mailbox_id) g
           WHERE b.id = g.mailbox_id
         )
         SELECT count(*)::int AS n FROM gone`,
        [this.retentionSeconds],
      );
      const n = Number(rows[0]?.n ?? 0);
      total += n;
      if (n < PRUNE_BATCH) return total;
    }
  }

  start(intervalMs: number): void {
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
