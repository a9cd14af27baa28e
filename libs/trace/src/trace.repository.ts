import { textForColumn, type Database } from '@mail/db';
import type { TraceFilter, TracedMessage } from '@mail/contracts';
import { buildTraceSearch } from './trace-query.js';
import { statusOf } from './trace-status.js';
import type { TraceEventRow, TraceMessageRow } from './trace.records.js';

const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();

/** The `trace` schema: batched writes, searches, the retention sweep. */
export class TraceRepository {
  constructor(private readonly db: Database) {}

  /**
   * One batch in ONE statement, whatever its size (ADR 0075): the messages (first facts win, the
   * earliest time stays: smtp-in's refusals and the queue's acceptance of one transaction may come
   * in either order, from different replicas) and the steps, as two data-modifying parts of one
   * statement, so one round trip and one commit. That commit does not wait for its WAL flush
   * (`synchronous_commit` off for this transaction only, set inside the statement): trace is best
   * effort (ADR 0013), a crash may forget the last fraction of a second of steps, never mail, and
   * the next synchronous commit of the server flushes these records with its own. `messages` must
   * not repeat a key.
   */
  async write(messages: TraceMessageRow[], events: TraceEventRow[]): Promise<void> {
    if (!messages.length && !events.length) return;
    await this.db.query(
      `WITH m AS (
         INSERT INTO trace.messages (trace_key, queue_id, message_id, sender, client_ip, received_at, trace_id, connector)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[])
         ON CONFLICT (trace_key) DO UPDATE SET
           queue_id = coalesce(trace.messages.queue_id, EXCLUDED.queue_id),
           message_id = coalesce(trace.messages.message_id, EXCLUDED.message_id),
           client_ip = coalesce(trace.messages.client_ip, EXCLUDED.client_ip),
           trace_id = coalesce(trace.messages.trace_id, EXCLUDED.trace_id),
           connector = coalesce(trace.messages.connector, EXCLUDED.connector),
           sender = CASE WHEN trace.messages.sender = '' THEN EXCLUDED.sender ELSE trace.messages.sender END,
           received_at = least(trace.messages.received_at, EXCLUDED.received_at)
       ), e AS (
         INSERT INTO trace.events (trace_key, at, event, recipient, detail, connector, service)
         SELECT * FROM unnest($9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
       )
       SELECT set_config('synchronous_commit', 'off', true)`,
      [
        messages.map((m) => m.traceKey),
        messages.map((m) => m.queueId),
        messages.map((m) => textForColumn(m.messageId)),
        messages.map((m) => textForColumn(m.sender)),
        messages.map((m) => m.clientIp),
        messages.map((m) => m.receivedAt),
        messages.map((m) => m.traceId),
        messages.map((m) => m.connector),
        events.map((e) => e.traceKey),
        events.map((e) => e.at),
        events.map((e) => e.event),
        events.map((e) => textForColumn(e.recipient)),
        events.map((e) => textForColumn(e.detail)),
        events.map((e) => e.connector),
        events.map((e) => e.service),
      ],
    );
  }

  async search(filter: TraceFilter): Promise<TracedMessage[]> {
    const q = buildTraceSearch(filter);
    const { rows } = await this.db.query<{ trace_key: string; message_id: string | null; sender: string; received_at: Date | string; trace_id: string | null }>(
      q.sql,
      q.params,
      { plan: 'per-call' },
    );
    if (!rows.length) return [];
    const { rows: events } = await this.db.query<{ trace_key: string; at: Date | string; event: TracedMessage['events'][number]['event']; recipient: string | null; detail: string | null; connector: string | null; service: string }>(
      `SELECT trace_key, at, event, recipient, detail, connector, service FROM trace.events
       WHERE trace_key = ANY($1::text[]) ORDER BY trace_key, at, id`,
      [rows.map((r) => r.trace_key)],
    );
    const byKey = new Map<string, typeof events>();
    for (const e of events) {
      const list = byKey.get(e.trace_key);
      if (list) list.push(e);
      else byKey.set(e.trace_key, [e]);
    }
    return rows.map((r) => {
      const steps = byKey.get(r.trace_key) ?? [];
      return {
        messageId: r.message_id === null ? null : `<${r.message_id}>`,
        sender: r.sender,
        recipients: [...new Set(steps.flatMap((e) => (e.recipient ? [e.recipient] : [])))],
        status: statusOf(steps),
        receivedAt: iso(r.received_at),
        traceId: r.trace_id,
        events: steps.map((e) => ({ at: iso(e.at), event: e.event, recipient: e.recipient, detail: e.detail, connector: e.connector, service: e.service })),
      };
    });
  }

  /** Deletes up to `batch` messages received before `cutoff`, and as many steps older than it; how many of each. */
  async prune(cutoff: Date, batch: number): Promise<{ messages: number; events: number }> {
    const messages = await this.db.query(
      `DELETE FROM trace.messages WHERE trace_key IN (SELECT trace_key FROM trace.messages WHERE received_at < $1 LIMIT $2)`,
      [cutoff.toISOString(), batch],
    );
    const events = await this.db.query(`DELETE FROM trace.events WHERE id IN (SELECT id FROM trace.events WHERE at < $1 LIMIT $2)`, [cutoff.toISOString(), batch]);
    return { messages: messages.rowCount, events: events.rowCount };
  }
}
