import { z } from 'zod';
import { defineEvent } from './contract.js';
import { IsoDate } from './common.schemas.js';

/** One step of a message's life for one recipient (or for the whole message when none is named). */
export const TrackedStep = z.object({
  event: z.enum(['received', 'queued', 'delivered', 'deferred', 'bounced', 'relayed', 'rejected']),
  at: IsoDate,
  queueId: z.string().optional(),
  messageId: z.string().nullable().optional(),
  sender: z.string(),
  recipient: z.string().optional(),
  detail: z.string().max(1000).optional(),
  service: z.string(),
  /** the connector the step went through: the inbound one that accepted the message, the outbound one that relayed it */
  connector: z.string().max(64).optional(),
});
export type TrackedStep = z.infer<typeof TrackedStep>;

/** most steps one event carries: well under NATS's 1 MB payload at 1,000 characters of detail each */
export const MAX_TRACKED_STEPS = 200;

/**
 * Message trace (Exchange's message trace): every step of a message's life, published as it
 * happens. The steps taken in one moment travel together (a delivery batch's recipients, the
 * messages one queue write accepted): one NATS message for them instead of one per step, which was
 * two of every five messages on the bus during ingest.
 */
export const MessageTracked = defineEvent('tracking.message.v2', z.object({ steps: z.array(TrackedStep).min(1).max(MAX_TRACKED_STEPS) }));
