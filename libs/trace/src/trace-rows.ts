import type { TrackedStep } from '@mail/contracts';
import { bareMessageId } from './wildcard.js';
import type { TraceEventRow, TraceMessageRow } from './trace.records.js';

/** the steps that open a message in the trace: its acceptance, or smtp-in refusing it */
const OPENS_MESSAGE = new Set<TrackedStep['event']>(['received', 'rejected']);

/**
 * Steps as rows: every step an event row; a `received` or `rejected` step also a message row, one
 * per key in a batch (merged as the database merges them across batches: first facts win,
 * earliest time).
 */
export function toRows(steps: TrackedStep[]): { messages: TraceMessageRow[]; events: TraceEventRow[] } {
  const messages = new Map<string, TraceMessageRow>();
  const events: TraceEventRow[] = [];
  for (const s of steps) {
    const traceKey = s.traceKey ?? s.queueId;
    if (!traceKey) continue; // nothing ties it to a message
    events.push({
      traceKey,
      at: s.at,
      event: s.event,
      recipient: s.recipient ? s.recipient.toLowerCase() : null,
      detail: detailOf(s),
      connector: s.connector ?? null,
      service: s.service,
    });
    if (!OPENS_MESSAGE.has(s.event)) continue;
    const row: TraceMessageRow = {
      traceKey,
      queueId: s.queueId ?? null,
      messageId: s.messageId ? bareMessageId(s.messageId).slice(0, 998) : null,
      sender: s.sender.toLowerCase(),
      clientIp: s.clientIp ? s.clientIp.toLowerCase() : null,
      receivedAt: s.at,
      traceId: s.traceId ?? null,
      connector: s.connector ?? null,
    };
    const seen = messages.get(traceKey);
    messages.set(traceKey, seen ? merge(seen, row) : row);
  }
  return { messages: [...messages.values()], events };
}

function merge(a: TraceMessageRow, b: TraceMessageRow): TraceMessageRow {
  return {
    traceKey: a.traceKey,
    queueId: a.queueId ?? b.queueId,
    messageId: a.messageId ?? b.messageId,
    sender: a.sender || b.sender,
    clientIp: a.clientIp ?? b.clientIp,
    receivedAt: a.receivedAt < b.receivedAt ? a.receivedAt : b.receivedAt,
    traceId: a.traceId ?? b.traceId,
    connector: a.connector ?? b.connector,
  };
}

/** the step's detail with what it carries beside it (the remote host, the next attempt) */
function detailOf(s: TrackedStep): string | null {
  const parts = [s.detail, s.remoteHost && `remote host ${s.remoteHost}`, s.nextAttemptAt && `next attempt ${s.nextAttemptAt}`].filter(Boolean);
  return parts.length ? parts.join('; ') : null;
}
