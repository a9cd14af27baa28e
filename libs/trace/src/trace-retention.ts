import { PeriodicJob } from '@mail/db';
import type { Logger } from '@mail/telemetry';
import type { TraceRepository } from './trace.repository.js';

const SWEEP_BATCH = 5000;

/**
 * Forgets message trace older than `retentionDays` (TRACE_RETENTION_DAYS, 90 by default as in
 * Exchange), a batch at a time so that no sweep holds long locks (ADR 0014).
 */
export class TraceRetention {
  private readonly job: PeriodicJob;

  constructor(
    private readonly repo: TraceRepository,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {
    this.job = new PeriodicJob(
      async () => {
        const n = await this.sweep();
        if (n.messages || n.events) this.logger.info({ ...n, retentionDays }, 'removed message trace past retention');
      },
      (err) => this.logger.warn({ err }, 'trace retention sweep failed'),
    );
  }

  async sweep(now = new Date()): Promise<{ messages: number; events: number }> {
    const cutoff = new Date(now.getTime() - this.retentionDays * 86_400_000);
    const total = { messages: 0, events: 0 };
    for (;;) {
      const n = await this.repo.prune(cutoff, SWEEP_BATCH);
      total.messages += n.messages;
      total.events += n.events;
      if (n.messages < SWEEP_BATCH && n.events < SWEEP_BATCH) return total;
    }
  }

  start(intervalMs: number): void {
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
