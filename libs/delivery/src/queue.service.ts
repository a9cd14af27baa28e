import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import type { EnqueueMessage, ListQueue, ParsedRequestOf, ResponseOf } from '@mail/contracts';
import { GroupCommit } from '@mail/db';
import type { Handoff } from './handoff.js';
import type { QueuedMessage } from './queue.records.js';
import type { NewQueueEntry, QueueRepository } from './queue.repository.js';
import type { QueueSignal } from './queue-signal.js';
import type { Tracker } from './tracking.js';
import { trackAccepted } from './track-accepted.js';

/** The answer about the body to a caller that asked (`bodyUnflushed`), nothing to one that did not. */
function covered(p: { bodyUnflushed?: boolean }, visible: boolean): { bodyCovered?: boolean } {
  return p.bodyUnflushed ? { bodyCovered: visible } : {};
}

/** Entry into the queue (from smtp-in over the bus, and from our own bounces) and the admin listing. */
export class QueueService {
  /** concurrent enqueues (smtp-in's connections) share one INSERT and one commit; each learns whether its body row was visible to it */
  private readonly inserts: GroupCommit<NewQueueEntry, boolean>;
  /** the queue's database holds the blob schema, so an enqueue can check its body row (ADR 0067); set once the database is open */
  private bodiesHere = false;

  constructor(
    private readonly repo: QueueRepository,
    private readonly signal: QueueSignal,
    private readonly tracker: Tracker,
    private readonly handoff: Handoff,
  ) {
    this.inserts = new GroupCommit(async (batch) => {
      const inserted = await this.repo.insert(batch, this.handoff.leaseMs);
      return batch.map((e) => inserted.get(e.message.id) === true);
    });
  }

  /** whether the queue's database holds the blob schema (`holdsInlineBodies`), told once it is open */
  checkBodiesHere(yes: boolean): void {
    this.bodiesHere = yes;
  }

  async enqueue(p: ParsedRequestOf<typeof EnqueueMessage>): Promise<ResponseOf<typeof EnqueueMessage>> {
    const id = p.queueId ?? randomUUID();
    // the caller's trace (smtp-in's span, carried by the bus) continues in the delivery span later
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    const seen = new Set<string>();
    const recipients = p.recipients.filter((r) => {
      const k = r.toLowerCase();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const message: QueuedMessage = {
      id,
      blobKey: p.blobKey,
      size: p.size,
      mailFrom: p.mailFrom,
      messageId: p.messageId ?? null,
      subject: p.subject ?? null,
      receivedAt: new Date(p.receivedAt),
      source: p.source,
      traceparent: carrier.traceparent ?? null,
      index: p.index ?? null,
      envelope: p.envelope ?? null,
    };
    const rows = recipients.map((address) => ({ id: randomUUID(), address }));
    // a body committed without its flush: this commit covers it if the row is visible to it (ADR 0067)
    const checkBody = p.bodyUnflushed === true && this.bodiesHere;
    // an idempotent enqueue is written alone (a batch would hide which of its ids were new) and not
    // handed off: its callers fetch mail in the background, no session waits on it
    if (p.queueId) {
      const inserted = await this.repo.insert([{ message, recipients: rows, leasedBy: null, checkBody }], this.handoff.leaseMs);
      if (!inserted.has(id)) return { queueId: id, duplicate: true, ...covered(p, false) };
      this.signal.notify();
      trackAccepted(this.tracker, message, recipients);
      return { queueId: id, ...covered(p, inserted.get(id) === true) };
    }
    const handed = this.handoff.reserve(rows.length);
    const startedAt = performance.now();
    let bodyVisible: boolean;
    try {
      bodyVisible = await this.inserts.add({ message, recipients: rows, leasedBy: handed ? this.handoff.ownerId : null, checkBody });
    } catch (err) {
      if (handed) this.handoff.cancel(rows.length);
      throw err;
    }
    let inMemory = false;
    if (handed) {
      const claimed = rows.map((r) => ({ id: r.id, messageId: id, address: r.address, attempts: 1 }));
      inMemory = this.handoff.push({ message, recipients: claimed }, startedAt);
      // the workers stopped while the row was written: let any replica claim it now rather than after the lease
      if (!inMemory) await this.repo.release(this.handoff.ownerId, rows.map((r) => r.id)).catch(() => undefined);
    }
    // a hand-off is taken from memory: no worker needs to ask the database for it
    this.signal.notify(!inMemory);
    trackAccepted(this.tracker, message, recipients);
    return { queueId: id, ...covered(p, bodyVisible) };
  }

  /** New due work appeared in this replica (forwarding, bounces). */
  wake(): void {
    this.signal.notify();
  }

  async list(p: ParsedRequestOf<typeof ListQueue>): Promise<ResponseOf<typeof ListQueue>> {
    const listing = await this.repo.list({ status: p.status, domain: p.domain, sender: p.sender }, p.limit);
    return {
      entries: listing.map(({ message, recipients }) => ({
        queueId: message.id,
        mailFrom: message.mailFrom,
        messageId: message.messageId,
        size: message.size,
        receivedAt: message.receivedAt.toISOString(),
        recipients: recipients.map((r) => ({
          address: r.address,
          status: r.status,
          attempts: r.attempts,
          nextAttemptAt: r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null,
          lastError: r.lastError,
        })),
      })),
    };
  }
}
