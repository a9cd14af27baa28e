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

/** What went through a connector in a window, from the trace (steps, so per recipient except `accepted`). */
export const ConnectorTrafficCounts = z.object({
  /** messages an inbound connector accepted (`received` steps) */
  accepted: z.number().int(),
  /** recipients or messages refused at RCPT/DATA in its name (`rejected`) */
  refused: z.number().int(),
  /** recipients an outbound connector handed to a smart host or MX (`relayed`) */
  relayed: z.number().int(),
  deferred: z.number().int(),
  /** bounced or failed recipients */
  failed: z.number().int(),
});

export const ConnectorTraffic = z.object({
  connector: z.string(),
  lastHour: ConnectorTrafficCounts,
  lastDay: ConnectorTrafficCounts,
  /** the latest `received` or `relayed` step, whenever it was (within the trace retention) */
  lastSuccess: z.object({ at: IsoDate, event: TrackedEvent, recipient: z.string().nullable(), detail: z.string().nullable() }).nullable(),
  /** the latest `rejected`, `deferred`, `bounced` or `failed` step, with its reason */
  lastFailure: z.object({ at: IsoDate, event: TrackedEvent, recipient: z.string().nullable(), detail: z.string().nullable() }).nullable(),
});
export type ConnectorTraffic = z.infer<typeof ConnectorTraffic>;

/**
 * Per-connector traffic from the message trace (`mailctl connector status`): the named connectors,
 * or every connector the trace has seen. Counted when asked, never kept as a running total.
 */
export const GetConnectorTraffic = defineRequest(
  'trace.connector.traffic.v1',
  z.object({ connectors: z.array(z.string().min(1).max(64)).max(1000).optional() }),
  z.object({ at: IsoDate, connectors: z.array(ConnectorTraffic) }),
);
