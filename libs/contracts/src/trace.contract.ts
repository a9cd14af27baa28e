import { z } from 'zod';
import { defineRequest } from './contract.js';
import { IsoDate } from './common.schemas.js';
import { TrackedEvent } from './tracking.contract.js';

/** A message's state across its recipients (see libs/trace, ADR 0013). */
export const TraceStatus = z.enum(['pending', 'delivered', 'partial', 'failed', 'refused']);
export type TraceStatus = z.infer<typeof TraceStatus>;

/** An address or Message-ID, `*` matching any run of characters (`*@contoso.com`). */
const Pattern = z.string().trim().min(1).max(320);

export const TraceFilter = z
  .object({
    sender: Pattern.optional(),
    recipient: Pattern.optional(),
    messageId: z.string().trim().min(1).max(998).optional(),
    clientIp: z.string().trim().min(1).max(64).optional(),
    status: TraceStatus.optional(),
    since: IsoDate.optional(),
    until: IsoDate.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .refine((f) => f.sender || f.recipient || f.messageId || f.clientIp, { message: 'give at least one of sender, recipient, messageId, clientIp' })
  .refine((f) => !f.since || !f.until || f.since <= f.until, { message: 'since must not be after until' });
export type TraceFilter = z.output<typeof TraceFilter>;

export const TraceEventView = z.object({
  at: IsoDate,
  event: TrackedEvent,
  recipient: z.string().nullable(),
  detail: z.string().nullable(),
  connector: z.string().nullable(),
  service: z.string(),
});

export const TracedMessage = z.object({
  messageId: z.string().nullable(),
  sender: z.string(),
  recipients: z.array(z.string()),
  status: TraceStatus,
  receivedAt: IsoDate,
  traceId: z.string().nullable(),
  events: z.array(TraceEventView),
});
export type TracedMessage = z.infer<typeof TracedMessage>;

/** Message trace search, newest first; answered by whichever process composes libs/trace. */
export const SearchTrace = defineRequest('trace.search.v1', TraceFilter, z.object({ messages: z.array(TracedMessage) }));
