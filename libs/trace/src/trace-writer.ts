import type { TrackedStep } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { traceMetrics } from './trace-metrics.js';
import { toRows } from './trace-rows.js';
import type { TraceRepository } from './trace.repository.js';

export interface TraceWriterOptions {
  /** steps per database write (one statement, ADR 0075) */
  maxBatch?: number;
  /** how long a step may wait for others before it is written */
  flushMs?: number;
  /** steps held while the database does not answer; beyond it the oldest are dropped (and counted) */
  maxPending?: number;
}

/**
 * Gathers tracking steps and writes them in batches, one write at a time, off the mail's path:
 * whatever the message rate, the database sees one multi-row statement every `flushMs`
 * instead of a statement per step. Trace is best effort: a write that fails is retried with the
 * next batch, and what does not fit in `maxPending` is dropped rather than growing without bound.
 */
export class TraceWriter {
  private pending: TrackedStep[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** the last write failed (flush stops trying) */
  private failed = false;
  /** shut down: nothing more is written or scheduled */
  private closed = false;
  private readonly maxBatch: number;
  private readonly flushMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly repo: TraceRepository,
    private readonly logger: Logger,
    opts: TraceWriterOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 2000;
    this.flushMs = opts.flushMs ?? 250;
    this.maxPending = opts.maxPending ?? 100_000;
  }

  add(steps: TrackedStep[]): void {
    if (this.closed) return;
    this.pending.push(...steps);
    const over = this.pending.length - this.maxPending;
    if (over > 0) {
      this.pending.splice(0, over);
      traceMetrics.dropped(over);
      this.logger.warn({ dropped: over }, 'message trace is behind: dropped the oldest steps');
    }
    if (this.pending.length >= this.maxBatch) this.kick();
    else if (!this.timer && !this.writing) {
      this.timer = setTimeout(() => this.kick(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything pending (shutdown, tests); gives up when the database refuses a write. */
  async flush(): Promise<void> {
    await this.writing;
    while (this.pending.length && !this.failed) {
      this.kick();
      await this.writing;
    }
  }

  /**
   * After the last flush at shutdown: no retry timer may outlive the database (a closed database
   * would otherwise be retried every `flushMs` for as long as the process lives).
   */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length) this.logger.warn({ steps: this.pending.length }, 'message trace: steps not recorded at shutdown');
    this.pending = [];
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed || this.writing || !this.pending.length) return;
    this.writing = this.writeBatches().finally(() => {
      this.writing = null;
      // what arrived during the write waits for its own timer, unless a full batch is there already
      if (this.closed) return;
      if (this.pending.length >= this.maxBatch) this.kick();
      else if (this.pending.length && !this.timer) {
        this.timer = setTimeout(() => this.kick(), this.flushMs);
        this.timer.unref();
      }
    });
  }

  private async writeBatches(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.maxBatch);
      const { messages, events } = toRows(batch);
      try {
        await this.repo.write(messages, events);
        this.failed = false;
        traceMetrics.recorded(events.length);
      } catch (err) {
        // back to the front, to be tried with the next batch; add() bounds what is held
        this.pending.unshift(...batch);
        this.failed = true;
        this.logger.warn({ err: String(err), steps: batch.length }, 'could not record message trace; will retry');
        return;
      }
    }
  }
}
