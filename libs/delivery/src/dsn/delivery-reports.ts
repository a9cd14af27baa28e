import { newBlobKey, readAll, type BlobStore } from '@mail/blob';
import { ContractError } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { buildDsn, readHeaderBlock, type ReportedRecipient } from '../dsn.js';
import type { QueuedMessage } from '../queue.records.js';
import type { QueueRepository } from '../queue.repository.js';
import type { QueueService } from '../queue.service.js';
import { envelopeOf, originalRecipient, wantsDsn } from './dsn-request.js';

export interface ReportSettings {
  hostname: string;
  expiryHours: number;
  /** a delay notice once a recipient has waited this long (0: never) */
  delayNoticeHours: number;
  /** RET=FULL returns messages up to this size whole; larger ones return their headers */
  returnFullMaxBytes: number;
}

/** What one attempt decided for one recipient, as far as reports care. */
export interface AttemptResult {
  id: string;
  address: string;
  kind: 'delivered' | 'relayed' | 'deferred' | 'bounced';
  detail: string;
  remote: boolean;
}

const describe = (err: unknown) => (err instanceof ContractError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));

/**
 * Delivery status notifications to the sender (RFC 3464), as the RFC 3461 parameters of the
 * message ask: failures (default on), delays once after `delayNoticeHours` (default on), successes
 * (only on NOTIFY=SUCCESS). Each goes through the queue like any message, from the null sender,
 * so it is never itself reported on.
 */
export class DeliveryReports {
  constructor(
    private readonly settings: ReportSettings,
    private readonly repo: QueueRepository,
    private readonly blobs: BlobStore,
    private readonly queue: Pick<QueueService, 'enqueue'>,
    private readonly logger: Logger,
  ) {}

  async afterAttempt(message: QueuedMessage, results: AttemptResult[]): Promise<void> {
    if (message.mailFrom === '' || !results.length) return;
    const envelope = envelopeOf(message);
    const entry = (r: AttemptResult, action: ReportedRecipient['action']): ReportedRecipient => ({
      address: r.address,
      action,
      diagnostic: r.detail,
      remote: r.remote,
      originalRecipient: originalRecipient(envelope, r.address),
    });
    const failed = results.filter((r) => r.kind === 'bounced' && wantsDsn('failure', message.mailFrom, envelope, r.address)).map((r) => entry(r, 'failed'));
    const succeeded = results
      .filter((r) => (r.kind === 'delivered' || r.kind === 'relayed') && wantsDsn('success', message.mailFrom, envelope, r.address))
      .map((r) => entry(r, r.kind === 'relayed' ? 'relayed' : 'delivered'));
    if (failed.length) await this.send(message, failed);
    if (succeeded.length) await this.send(message, succeeded);

    const hours = this.settings.delayNoticeHours;
    if (hours > 0 && Date.now() - message.receivedAt.getTime() >= hours * 3_600_000) {
      const waiting = results.filter((r) => r.kind === 'deferred' && wantsDsn('delay', message.mailFrom, envelope, r.address));
      // marked first, once per recipient across replicas and attempts: a second notice is worse than none
      const marked = new Set(waiting.length ? await this.repo.markDelayNotified(waiting.map((r) => r.id)) : []);
      const delayed = waiting.filter((r) => marked.has(r.id)).map((r) => entry(r, 'delayed'));
      if (delayed.length) await this.send(message, delayed);
    }
  }

  private async send(message: QueuedMessage, recipients: ReportedRecipient[]): Promise<void> {
    const envelope = envelopeOf(message);
    let headers: Buffer;
    let full: Buffer | undefined;
    try {
      headers = await readHeaderBlock(await this.blobs.get(message.blobKey));
      if (envelope?.ret === 'FULL' && message.size <= this.settings.returnFullMaxBytes) full = await readAll(await this.blobs.get(message.blobKey));
    } catch {
      headers = Buffer.from(`Message-ID: ${message.messageId ?? '(unknown)'}\r\n`);
    }
    const dsn = buildDsn({
      hostname: this.settings.hostname,
      queueId: message.id,
      sender: message.mailFrom,
      arrivalDate: message.receivedAt,
      recipients,
      originalHeaders: headers,
      originalMessage: full,
      envid: envelope?.envid,
      willRetryUntil: new Date(message.receivedAt.getTime() + this.settings.expiryHours * 3_600_000),
    });
    const key = newBlobKey();
    const action = recipients[0].action;
    try {
      await this.blobs.put(key, dsn);
      const { queueId } = await this.queue.enqueue({
        blobKey: key,
        size: dsn.length,
        mailFrom: '',
        recipients: [message.mailFrom],
        receivedAt: new Date().toISOString(),
        subject: action === 'failed' ? 'Undelivered Mail Returned to Sender' : action === 'delayed' ? 'Delayed Mail (still being retried)' : 'Successful Mail Delivery Report',
        source: { protocol: 'local' },
      });
      this.logger.info({ queueId: message.id, dsnQueueId: queueId, action, recipients: recipients.length }, 'delivery report queued');
    } catch (err) {
      // the recipients' fate is recorded already; a lost report is logged rather than retried forever
      this.logger.error({ queueId: message.id, action, err: describe(err) }, 'could not queue the delivery report');
      await this.blobs.delete(key).catch(() => undefined);
    }
  }
}

/** The reports of a delivery replica, configured from its DeliveryConfig. */
export function deliveryReports(
  config: { hostname: string; expiryHours: number; delayNoticeHours?: number; returnFullMaxBytes?: number },
  repo: QueueRepository,
  blobs: BlobStore,
  queue: Pick<QueueService, 'enqueue'>,
  logger: Logger,
): DeliveryReports {
  return new DeliveryReports(
    { hostname: config.hostname, expiryHours: config.expiryHours, delayNoticeHours: config.delayNoticeHours ?? 4, returnFullMaxBytes: config.returnFullMaxBytes ?? 10 * 1024 * 1024 },
    repo,
    blobs,
    queue,
    logger,
  );
}
