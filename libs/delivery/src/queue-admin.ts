import type { Bus, Subscription } from '@mail/bus';
import { ContractError, DeleteQueueEntry, GetQueueEntry, HoldQueue, ReleaseQueue, RetryQueue, type ParsedRequestOf, type ResponseOf } from '@mail/contracts';
import type { Database } from '@mail/db';
import type { Logger } from '@mail/telemetry';
import type { DeliveryReports } from './dsn/delivery-reports.js';
import type { QueueRepository } from './queue.repository.js';
import type { QueueService } from './queue.service.js';

type Changed = { recipients: number; at: string };

/** waiting recipients no worker holds right now: an attempt in flight is left to finish */
const IDLE = `(lease_until IS NULL OR lease_until < now())`;

/**
 * The administrator's levers on the queue (`mailctl queue ...`): show one message, retry now, hold
 * and release, delete with or without a bounce. Only waiting recipients change; delivered and
 * bounced ones are history. Recipients a worker is attempting at this moment are not touched (their
 * lease says so): the answer counts what changed.
 */
export class QueueAdmin {
  constructor(
    private readonly db: Database,
    private readonly repo: QueueRepository,
    private readonly queue: QueueService,
    private readonly reports: DeliveryReports,
    private readonly logger: Logger,
  ) {}

  async get(p: ParsedRequestOf<typeof GetQueueEntry>): Promise<ResponseOf<typeof GetQueueEntry>> {
    const [listing] = await this.repo.list({ ids: [p.queueId] }, 1);
    if (!listing) throw new ContractError('NOT_FOUND', `no message ${p.queueId} in the queue`);
    const { message, recipients } = listing;
    return {
      queueId: message.id,
      mailFrom: message.mailFrom,
      messageId: message.messageId,
      subject: message.subject,
      size: message.size,
      receivedAt: message.receivedAt.toISOString(),
      blobKey: message.blobKey,
      source: { protocol: message.source.protocol, remoteAddress: message.source.remoteAddress, authenticatedAs: message.source.authenticatedAs },
      recipients: recipients.map((r) => ({ address: r.address, status: r.status, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null, lastError: r.lastError })),
    };
  }

  async retry(p: { queueId: string } | { all: true }): Promise<Changed> {
    const one = 'queueId' in p;
    if (one) await this.requireMessage(p.queueId);
    const res = await this.db.query(
      `UPDATE queue.recipients SET next_attempt_at = now() WHERE status IN ('queued', 'deferred') AND ${IDLE} ${one ? 'AND message_id = $1' : ''}`,
      one ? [p.queueId] : [],
    );
    this.queue.wake();
    return this.changed('retry', one ? p.queueId : '*', res.rowCount);
  }

  async hold(p: { queueId: string }): Promise<Changed> {
    await this.requireMessage(p.queueId);
    const res = await this.db.query(`UPDATE queue.recipients SET status = 'held' WHERE message_id = $1 AND status IN ('queued', 'deferred') AND ${IDLE}`, [p.queueId]);
    return this.changed('hold', p.queueId, res.rowCount);
  }

  async release(p: { queueId: string }): Promise<Changed> {
    await this.requireMessage(p.queueId);
    const res = await this.db.query(`UPDATE queue.recipients SET status = 'deferred', next_attempt_at = now() WHERE message_id = $1 AND status = 'held'`, [p.queueId]);
    this.queue.wake();
    return this.changed('release', p.queueId, res.rowCount);
  }

  async delete(p: ParsedRequestOf<typeof DeleteQueueEntry>): Promise<Changed> {
    await this.requireMessage(p.queueId);
    const detail = '5.3.0 deleted from the queue by the administrator';
    const { rows } = await this.db.query<{ id: string; address: string }>(
      `UPDATE queue.recipients SET status = $2, last_error = $3, lease_until = NULL, leased_by = NULL
        WHERE message_id = $1 AND status IN ('queued', 'deferred', 'held') AND ${IDLE}
        RETURNING id, address`,
      [p.queueId, p.bounce ? 'bounced' : 'failed', detail],
    );
    if (p.bounce && rows.length) {
      const [message] = await this.repo.messages([p.queueId]);
      if (message) await this.reports.afterAttempt(message, rows.map((r) => ({ id: r.id, address: r.address, kind: 'bounced' as const, detail, remote: false })));
    }
    return this.changed(p.bounce ? 'delete and bounce' : 'delete', p.queueId, rows.length);
  }

  private async requireMessage(queueId: string): Promise<void> {
    const { rows } = await this.db.query(`SELECT 1 FROM queue.messages WHERE id = $1`, [queueId]);
    if (!rows.length) throw new ContractError('NOT_FOUND', `no message ${queueId} in the queue`);
  }

  private changed(action: string, queueId: string, recipients: number): Changed {
    this.logger.info({ action, queueId, recipients }, 'queue administration');
    return { recipients, at: new Date().toISOString() };
  }
}

/** The queue administration contracts on the bus (registered with the delivery's other handlers). */
export function queueAdminHandlers(bus: Bus, admin: QueueAdmin): Array<Promise<Subscription>> {
  return [
    bus.handle(GetQueueEntry, (p) => admin.get(p)),
    bus.handle(RetryQueue, (p) => admin.retry(p)),
    bus.handle(HoldQueue, (p) => admin.hold(p)),
    bus.handle(ReleaseQueue, (p) => admin.release(p)),
    bus.handle(DeleteQueueEntry, (p) => admin.delete(p)),
  ];
}
