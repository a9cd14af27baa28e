import { z } from 'zod';
import { defineRequest } from './contract.js';
import { BlobKey, EmailAddress, Id, IsoDate } from './common.schemas.js';
import { CarriedIndex } from './message-index.schemas.js';
import { EnvelopeParams } from './envelope-params.schemas.js';

export const MessageSource = z.object({
  /** fetch: taken from a user's external account by the migration service (ADR 0028) */
  protocol: z.enum(['smtp', 'submission', 'local', 'fetch']),
  remoteAddress: z.string().max(64).optional(),
  heloName: z.string().max(255).optional(),
  authenticatedAs: EmailAddress.optional(),
  /** the inbound connector that accepted the message (ADR 0011) */
  connector: z.string().max(64).optional(),
  /** for message trace: smtp-in's transaction id (session id + transaction number), which its refusals carry too */
  session: z.string().max(64).optional(),
  /** the local port the message arrived on (25, 587, 465 or the configured ones) */
  port: z.number().int().min(0).max(65535).optional(),
  /** the TLS protocol version and cipher of the session, when it was encrypted */
  tls: z.object({ version: z.string().max(32), cipher: z.string().max(128) }).optional(),
});

/**
 * Make a received message durable in the queue. smtp-in answers 250 only after this returns.
 * `mailFrom` is '' for the null reverse-path (bounces).
 */
export const EnqueueMessage = defineRequest(
  'delivery.enqueue.v1',
  z.object({
    blobKey: BlobKey,
    size: z.number().int().nonnegative(),
    mailFrom: z.union([z.literal(''), EmailAddress]),
    recipients: z.array(EmailAddress).min(1).max(1000),
    receivedAt: IsoDate,
    messageId: z.string().max(998).optional(),
    subject: z.string().max(998).optional(),
    source: MessageSource,
    /** the blob's MessageIndex, computed while it was received (see CarriedIndex) */
    index: CarriedIndex.optional(),
    /** DSN, REQUIRETLS, SMTPUTF8 and BODY parameters, and per-recipient decisions (see EnvelopeParams) */
    envelope: EnvelopeParams.optional(),
    /**
     * Idempotent enqueue (ADR 0028): a caller that may repeat an enqueue whose answer it lost (a
     * fetch that crashed after delivery committed) names the queue entry itself. A second enqueue
     * with an id already queued adds nothing and answers `duplicate: true`; the caller then drops
     * its new blob. Without it delivery picks a fresh id.
     */
    queueId: Id.optional(),
    /**
     * The body is an inline row committed without its own WAL flush (ADR 0067): delivery checks, in
     * the queue entry's own statement, whether that row is visible to it, and says so.
     */
    bodyUnflushed: z.boolean().optional(),
  }),
  z.object({
    queueId: Id,
    duplicate: z.boolean().optional(),
    /**
     * Only for `bodyUnflushed`: true when the body row was visible to the queue entry's transaction,
     * so the entry's flushed commit covers the body's (ADR 0067). Absent or false (not visible, or a
     * delivery that does not check): the caller makes the body durable itself before it answers.
     */
    bodyCovered: z.boolean().optional(),
  }),
);

export const QueueEntryStatus = z.enum(['queued', 'deferred', 'held', 'delivered', 'bounced', 'failed']);
export const QueueEntry = z.object({
  queueId: Id,
  mailFrom: z.string(),
  messageId: z.string().nullable(),
  size: z.number().int(),
  receivedAt: IsoDate,
  recipients: z.array(
    z.object({
      address: z.string(),
      status: QueueEntryStatus,
      attempts: z.number().int(),
      nextAttemptAt: IsoDate.nullable(),
      lastError: z.string().nullable(),
    }),
  ),
});
export type QueueEntry = z.infer<typeof QueueEntry>;

export const ListQueue = defineRequest(
  'delivery.queue.list.v1',
  z.object({
    status: QueueEntryStatus.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    /** only messages with a recipient in this domain */
    domain: z.string().min(1).max(253).optional(),
    /** only messages from this envelope sender ('' for bounces) */
    sender: z.string().max(320).optional(),
  }),
  z.object({ entries: z.array(QueueEntry) }),
);

export const DeliveryPing = defineRequest('delivery.ping.v1', z.object({}), z.object({ ok: z.literal(true) }));
