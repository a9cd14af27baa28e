import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@mail/telemetry';
import { deliveryMetrics } from './delivery-metrics.js';
import type { Handoff, HandedOff } from './handoff.js';
import type { Lease, LeaseKeeper } from './lease-keeper.js';
import type { MessageProcessor } from './message-processor.js';
import type { ClaimedRecipient } from './queue.records.js';
import type { QueueRepository } from './queue.repository.js';
import type { QueueSignal } from './queue-signal.js';
import { retryDelayMs } from './retry-policy.js';

export interface WorkerPoolOptions {
  workers: number;
  pollIntervalMs: number;
  batchSize: number;
  retrySchedule?: number[];
}

/**
 * N claim-and-deliver loops. Idle loops sleep `pollIntervalMs` or until this replica enqueues.
 * What this replica enqueued and leased to itself (the hand-off) goes first, without a claim;
 * then what the database holds. Stopping lets each loop finish the message in hand and hands the
 * rest of its batch, and the hand-off, back.
 */
export class WorkerPool {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly repo: QueueRepository,
    private readonly processor: MessageProcessor,
    private readonly signal: QueueSignal,
    private readonly handoff: Handoff,
    private readonly keeper: LeaseKeeper,
    private readonly opts: WorkerPoolOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.loops.length) return;
    this.stopping = false;
    this.handoff.open();
    this.keeper.start();
    for (let i = 0; i < this.opts.workers; i++) this.loops.push(this.loop(`${this.id}:${i}`));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.signal.notifyAll();
    await Promise.all(this.loops);
    this.loops = [];
    const left = this.handoff.close().flatMap((h) => h.recipients.map((r) => r.id));
    if (left.length) await this.repo.release(this.handoff.ownerId, left).catch(() => undefined);
    this.keeper.stop();
  }

  /**
   * A worker asks the database when it may hold something: the last claim found work (there may be
   * more), a notify said so (a row not handed off, a retry, a forward), or nobody of this replica
   * has asked for a poll interval (other replicas' rows, expired leases, retries come due). Not
   * after every hand-off: under load that was an empty claim per batch (ADR 0059).
   */
  private lastClaimAt = -Infinity;

  private claimDue(more: boolean): boolean {
    const due = this.signal.takeDatabaseWork() || more || performance.now() - this.lastClaimAt >= this.opts.pollIntervalMs;
    if (due) this.lastClaimAt = performance.now();
    return due;
  }

  private async loop(workerId: string): Promise<void> {
    let more = true;
    while (!this.stopping) {
      let lease: Lease | undefined;
      const handed = this.handoff.take(this.opts.batchSize);
      if (handed.length) {
        deliveryMetrics.taken('handoff', handed.reduce((n, h) => n + h.recipients.length, 0));
        await this.deliver(this.handoff.ownerId, handed);
        continue;
      }
      let claimed: ClaimedRecipient[] = [];
      if (this.claimDue(more)) {
        try {
          const since = performance.now();
          claimed = await this.repo.claim(workerId, this.opts.batchSize, this.keeper.leaseMs);
          if (claimed.length) lease = this.keeper.hold(workerId, claimed.map((c) => c.id), since);
        } catch (err) {
          this.logger.error({ err: String(err), workerId }, 'could not claim queue work');
        }
      }
      more = claimed.length > 0;
      if (!claimed.length) {
        if (!this.stopping) await this.signal.wait(this.opts.pollIntervalMs);
        continue;
      }
      deliveryMetrics.taken('claim', claimed.length);
      try {
        await this.work(workerId, claimed);
      } finally {
        this.keeper.drop(lease);
      }
    }
  }

  private async work(workerId: string, claimed: ClaimedRecipient[]): Promise<void> {
    const byMessage = new Map<string, ClaimedRecipient[]>();
    for (const c of claimed) byMessage.set(c.messageId, [...(byMessage.get(c.messageId) ?? []), c]);
    const messages = new Map((await this.repo.messages([...byMessage.keys()]).catch(() => [])).map((m) => [m.id, m]));
    const batch: HandedOff[] = [];
    const orphans: string[] = [];
    for (const [messageId, recipients] of byMessage) {
      const message = messages.get(messageId);
      if (message) batch.push({ message, recipients });
      else orphans.push(...recipients.map((r) => r.id));
    }
    if (orphans.length) await this.repo.release(workerId, orphans).catch(() => undefined);
    if (this.stopping) {
      await this.repo.release(workerId, batch.flatMap((b) => b.recipients.map((r) => r.id))).catch(() => undefined);
      return;
    }
    if (!batch.length) return;
    await this.deliver(workerId, batch);
  }

  /**
   * One attempt for a batch this worker holds the lease of. The lease keeper renews it while the
   * attempt lasts (a 150 MB transfer to a slow MX must not lose it half way).
   */
  private async deliver(workerId: string, batch: HandedOff[]): Promise<void> {
    try {
      await this.processor.processBatch(workerId, batch);
    } catch (err) {
      this.logger.error({ err: String(err), queueIds: batch.map((b) => b.message.id) }, 'delivery attempt failed unexpectedly; deferring');
      for (const r of batch.flatMap((b) => b.recipients)) {
        await this.repo.markDeferred(workerId, r.id, `4.3.0 internal error: ${String(err)}`, retryDelayMs(r.attempts, this.opts.retrySchedule)).catch(() => undefined);
      }
    } finally {
      for (const b of batch) this.keeper.drop(b.lease);
    }
  }
}
