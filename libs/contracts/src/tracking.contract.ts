import { z } from 'zod';
import { defineEvent } from './contract.js';
import { IsoDate } from './common.schemas.js';

export const TrackedEvent = z.enum(['received', 'queued', 'expanded', 'delivered', 'relayed', 'deferred', 'bounced', 'failed', 'rejected']);
export type TrackedEvent = z.infer<typeof TrackedEvent>;

/** One step of a message's life for one recipient (or for the whole message when none is named). */
export const TrackedStep = z.object({
  event: TrackedEvent,
  at: IsoDate,
  queueId: z.string().optional(),
  /**
   * What ties the steps of one message together: smtp-in's transaction id when the message came
   * through smtp-in (its refusals at RCPT happen before there is a queue id), else the queue id.
   * Absent: the queue id.
   */
  traceKey: z.string().max(64).optional(),
  /** the OpenTelemetry trace id (32 hex digits) of the message's spans */
  traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  messageId: z.string().nullable().optional(),
  sender: z.string(),
  recipient: z.string().optional(),
  detail: z.string().max(1000).optional(),
  service: z.string(),
  /** the connector the step went through: the inbound one that accepted the message, the outbound one that relayed it */
  connector: z.string().max(64).optional(),
  /** the client's IP address (received and rejected steps) */
  clientIp: z.string().max(64).optional(),
  /** the remote host a relayed message went to */
  remoteHost: z.string().max(300).optional(),
  /** when a deferred recipient is tried again */
  nextAttemptAt: IsoDate.optional(),
});
export type TrackedStep = z.infer<typeof TrackedStep>;

/** most steps one event carries: well under NATS's 1 MB payload at 1,000 characters of detail each */
export const MAX_TRACKED_STEPS = 200;

/**
 * Message trace (Exchange's message trace): every step of a message's life, published as it
 * happens. The steps taken in one moment travel together (a delivery batch's recipients, the
 * messages one queue write accepted): one NATS message for them instead of one per step, which was
 * two of every five messages on the bus during ingest. Consumed by libs/trace (ADR 0013), one
 * replica per event (queue group). Fields are added as optional ones only.
 */
export const MessageTracked = defineEvent('tracking.message.v2', z.object({ steps: z.array(TrackedStep).min(1).max(MAX_TRACKED_STEPS) }));
