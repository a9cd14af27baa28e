import { randomUUID } from 'node:crypto';
import { inlineBodyVisible } from '@mail/blob';
import { Database, jsonForColumn, textForColumn } from '@mail/db';
import type { ClaimedRecipient, NewMessage, QueueListing, QueuedMessage, RecipientStatus } from './queue.records.js';

/** One message to insert; `leasedBy` hands it off to that owner (see `insert`). */
export interface NewQueueEntry {
  message: NewMessage;
  recipients: Array<{ id: string; address: string }>;
  leasedBy: string | null;
  /** the body is an inline row whose flush this commit is to cover: see whether it can (ADR 0067) */
  checkBody?: boolean;
}

interface MessageRow {
  id: string;
  blob_key: string;
  size: number;
  mail_from: string;
  message_id: string | null;
  subject: string | null;
  received_at: Date | string;
  source: unknown;
  traceparent: string | null;
  message_index: string | null;
  envelope?: unknown;
}

const toMessage = (r: MessageRow): QueuedMessage => ({
  id: r.id,
  blobKey: r.blob_key,
  size: Number(r.size),
  mailFrom: r.mail_from,
  messageId: r.message_id,
  subject: r.subject,
  receivedAt: new Date(r.received_at),
  source: (typeof r.source === 'string' ? JSON.parse(r.source) : r.source) as QueuedMessage['source'],
  traceparent: r.traceparent,
  index: r.message_index,
  envelope: r.envelope ? ((typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope) as QueuedMessage['envelope']) : null,
});

const ms = (v: number) => Math.max(0, Math.round(v));

/** A message row without the carried index: what the queue listing needs (the index is ~11 KB a row). */
const LISTED_COLUMNS = 'm.id, m.blob_key, m.size, m.mail_from, m.message_id, m.subject, m.received_at, m.source, m.traceparent, NULL::text AS message_index, m.envelope';

/** The queue's SQL (schema `queue`). Every state change of a leased recipient checks the lease is still ours. */
export class QueueRepository {
  constructor(private readonly db: Database) {}

  /**
   * Messages with their recipients in one statement, so one round trip and one commit for all of
   * them: once it returns they are safe and smtp-in may answer 250 for each. A message without
   * recipients is never queued (smtp-in refuses DATA before RCPT).
   *
   * A message with `leasedBy` is handed off (handoff.ts): its recipients start leased to that owner
   * for `leaseMs`, with this attempt counted, exactly as a claim would leave them, and its carried
   * index is not written (the owner has it in hand; whoever claims the rows after an expired lease
   * parses the blob instead).
   *
   * Answers the ids of the messages it inserted: an id already in the queue (an idempotent
   * enqueue repeated, ADR 0028) is left as it is, recipients and all. With each id, for a batch
   * where some entry has `checkBody` (set only where this database holds the blob schema), whether
   * the message's body row was visible to this statement (`inlineBodyVisible`, ADR 0067): then
   * this statement's commit, flushed before it returns, covers the body's. Else false.
   */
  async insert(batch: NewQueueEntry[], leaseMs: number): Promise<Map<string, boolean>> {
    const m = batch.map((b) => b.message);
    const r = batch.flatMap((b) => b.recipients.map((x) => ({ id: x.id, messageId: b.message.id, address: x.address, leasedBy: b.leasedBy })));
    const checked = batch.some((b) => b.checkBody);
    const { rows } = await this.db.query<{ message_id: string; body_visible?: boolean }>(
      `WITH m AS (
         INSERT INTO queue.messages (id, blob_key, size, mail_from, message_id, subject, received_at, source, traceparent, message_index, envelope)
         SELECT id, blob_key, size, mail_from, message_id, subject, received_at, source::jsonb, traceparent, message_index, envelope::jsonb
           FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $16::text[])
             AS t(id, blob_key, size, mail_from, message_id, subject, received_at, source, traceparent, message_index, envelope)
         ON CONFLICT (id) DO NOTHING
         RETURNING id, blob_key
       ), r AS (
         INSERT INTO queue.recipients (id, message_id, address, leased_by, lease_until, attempts)
         SELECT t.id, m.id, t.address, t.leased_by,
                CASE WHEN t.leased_by IS NULL THEN NULL ELSE now() + $15::double precision * interval '1 millisecond' END,
                CASE WHEN t.leased_by IS NULL THEN 0 ELSE 1 END
           FROM unnest($11::uuid[], $12::uuid[], $13::text[], $14::text[]) AS t(id, message_id, address, leased_by) JOIN m ON m.id = t.message_id
         ON CONFLICT (message_id, address) DO NOTHING
       )
       -- every part of the statement reads one snapshot: a body row it sees committed before it
       SELECT m.id AS message_id${checked ? `, ${inlineBodyVisible('m.blob_key')} AS body_visible` : ''} FROM m`,
      [
        m.map((x) => x.id),
        m.map((x) => x.blobKey),
        m.map((x) => x.size),
        m.map((x) => textForColumn(x.mailFrom)),
        m.map((x) => textForColumn(x.messageId)),
        m.map((x) => textForColumn(x.subject)),
        m.map((x) => x.receivedAt.toISOString()),
        m.map((x) => jsonForColumn(x.source)),
        m.map((x) => x.traceparent),
        batch.map((b) => (b.leasedBy ? null : b.message.index)),
        r.map((x) => x.id),
        r.map((x) => x.messageId),
        r.map((x) => x.address),
        r.map((x) => x.leasedBy),
        ms(leaseMs),
        m.map((x) => (x.envelope ? jsonForColumn(x.envelope) : null)),
      ],
    );
    return new Map(rows.map((r) => [r.message_id, r.body_visible === true]));
  }

  /** Extra recipients of an existing message (forwarding); an address already on it is skipped, which also stops forwarding loops. */
  /** Every recipient address of a message, whatever its state (the ARC sealer looks for the forwarding domain). */
  async recipientAddresses(messageId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ address: string }>('SELECT address FROM queue.recipients WHERE message_id = $1 ORDER BY address LIMIT 1000', [messageId]);
    return rows.map((r) => r.address);
  }

  async addRecipients(messageId: string, addresses: string[]): Promise<number> {
    return this.insertRecipients(this.db, messageId, addresses);
  }

  private async insertRecipients(q: Pick<Database, 'query'>, messageId: string, addresses: string[]): Promise<number> {
    if (!addresses.length) return 0;
    const ids = addresses.map(() => randomUUID());
    const res = await q.query(
      `INSERT INTO queue.recipients (id, message_id, address)
       SELECT id, $1, address FROM unnest($2::uuid[], $3::text[]) AS t(id, address)
       ON CONFLICT (message_id, address) DO NOTHING`,
      [messageId, ids, addresses],
    );
    return res.rowCount;
  }

  /**
   * Takes up to `limit` due recipients for `leaseMs`. SKIP LOCKED lets competing workers (and
   * replicas) pass each other's rows; an expired lease makes a dead worker's rows due again.
   */
  async claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedRecipient[]> {
    const { rows } = await this.db.query<{ id: string; message_id: string; address: string; attempts: number }>(
      `WITH due AS (
         SELECT id FROM queue.recipients
          WHERE status IN ('queued', 'deferred') AND next_attempt_at <= now()
            AND (lease_until IS NULL OR lease_until < now())
          ORDER BY next_attempt_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       )
       UPDATE queue.recipients r
          SET lease_until = now() + $2::double precision * interval '1 millisecond', leased_by = $3, attempts = r.attempts + 1
         FROM due WHERE r.id = due.id
       RETURNING r.id, r.message_id, r.address, r.attempts`,
      [limit, ms(leaseMs), workerId],
    );
    return rows.map((r) => ({ id: r.id, messageId: r.message_id, address: r.address, attempts: Number(r.attempts) }));
  }

  async messages(ids: string[]): Promise<QueuedMessage[]> {
    if (!ids.length) return [];
    const { rows } = await this.db.query<MessageRow>(`SELECT * FROM queue.messages WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map(toMessage);
  }

  /** The lease keeper's heartbeat: renews every (owner, row) pair still leased to that owner; answers the rows renewed. */
  async renewHeld(held: Array<{ owner: string; id: string }>, leaseMs: number): Promise<string[]> {
    if (!held.length) return [];
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE queue.recipients r SET lease_until = now() + $3::double precision * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::text[]) AS h(id, owner)
        WHERE r.id = h.id AND r.leased_by = h.owner AND r.status IN ('queued', 'deferred')
        RETURNING r.id`,
      [held.map((h) => h.id), held.map((h) => h.owner), ms(leaseMs)],
      { plan: 'per-call' },
    );
    return rows.map((r) => r.id);
  }

  /** Hands work back untouched (graceful shutdown): the attempt is not counted. */
  async release(workerId: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.db.query(
      `UPDATE queue.recipients SET lease_until = NULL, leased_by = NULL, attempts = GREATEST(attempts - 1, 0)
        WHERE id = ANY($1::uuid[]) AND leased_by = $2 AND status IN ('queued', 'deferred')`,
      [ids, workerId],
    );
  }

  /**
   * Several at once (a worker's batch); returns the ids whose lease was still ours. The commit does
   * not wait for its WAL flush (`synchronous_commit` off for this transaction only, ADR 0075): a
   * mark a crash forgets leaves the recipient leased, so it is claimed again when the lease runs
   * out and delivered again, which a local append answers from its idempotency key (the store's
   * append results) and a remote hop may see as a duplicate, never a loss; the next synchronous
   * commit of the server, or its WAL writer, flushes it within a fraction of a second.
   */
  async markDeliveredMany(workerId: string, items: Array<{ id: string; detail: string | null }>): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE queue.recipients r SET status = 'delivered', delivered_at = now(), last_error = d.detail, lease_until = NULL, leased_by = NULL
         FROM unnest($1::uuid[], $2::text[]) AS d(id, detail), (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting
        WHERE r.id = d.id AND r.leased_by = $3
        RETURNING r.id`,
      [items.map((i) => i.id), items.map((i) => i.detail), workerId],
      // planned per call: the generic plan made while the queue was small is a sequential scan
      // filtered on leased_by, kept until the table is analysed (seen with auto_explain), and its
      // cost then grows with the queue
      { plan: 'per-call' },
    );
    return rows.map((r) => r.id);
  }

  async markDeferred(workerId: string, id: string, error: string, delayMs: number): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE queue.recipients SET status = 'deferred', last_error = $3, next_attempt_at = now() + $4::double precision * interval '1 millisecond', lease_until = NULL, leased_by = NULL
        WHERE id = $1 AND leased_by = $2`,
      [id, workerId, error.slice(0, 2000), ms(delayMs)],
    );
    return res.rowCount > 0;
  }

  async markFinal(workerId: string, id: string, status: Extract<RecipientStatus, 'bounced' | 'failed'>, error: string): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE queue.recipients SET status = $3, last_error = $4, lease_until = NULL, leased_by = NULL
        WHERE id = $1 AND leased_by = $2`,
      [id, workerId, status, error.slice(0, 2000)],
    );
    return res.rowCount > 0;
  }

  async list(filter: { status?: RecipientStatus; domain?: string; sender?: string; ids?: string[] }, limit: number): Promise<QueueListing[]> {
    const params: unknown[] = [limit];
    const where: string[] = [];
    const rcpt: string[] = [];
    if (filter.status) rcpt.push(`r.status = $${params.push(filter.status)}`);
    if (filter.domain) rcpt.push(`lower(split_part(r.address, '@', 2)) = $${params.push(filter.domain.toLowerCase())}`);
    if (rcpt.length) where.push(`EXISTS (SELECT 1 FROM queue.recipients r WHERE r.message_id = m.id AND ${rcpt.join(' AND ')})`);
    if (filter.sender !== undefined) where.push(`lower(m.mail_from) = $${params.push(filter.sender.toLowerCase())}`);
    if (filter.ids) where.push(`m.id = ANY($${params.push(filter.ids)}::uuid[])`);
    const { rows } = await this.db.query<MessageRow>(
      `SELECT ${LISTED_COLUMNS} FROM queue.messages m ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.received_at DESC LIMIT $1`,
      params,
    );
    if (!rows.length) return [];
    const { rows: rcpts } = await this.db.query<{ message_id: string; address: string; status: RecipientStatus; attempts: number; next_attempt_at: Date | string; last_error: string | null }>(
      `SELECT message_id, address, status, attempts, next_attempt_at, last_error FROM queue.recipients WHERE message_id = ANY($1::uuid[]) ORDER BY address`,
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => ({
      message: toMessage(r),
      recipients: rcpts
        .filter((x) => x.message_id === r.id)
        .map((x) => ({
          address: x.address,
          status: x.status,
          attempts: Number(x.attempts),
          nextAttemptAt: x.status === 'queued' || x.status === 'deferred' ? new Date(x.next_attempt_at) : null,
          lastError: x.last_error,
        })),
    }));
  }

  /**
   * Deletes up to `limit` messages received before `cutoff` that no recipient waits on any more
   * (their recipients go with them), oldest first; returns how many. SKIP LOCKED: replicas sweeping
   * at the same time share the work instead of waiting on each other.
   */
  async deleteFinished(cutoff: Date, limit: number): Promise<number> {
    const res = await this.db.query(
      `DELETE FROM queue.messages WHERE id IN (
         SELECT m.id FROM queue.messages m
          WHERE m.received_at < $1
            AND NOT EXISTS (SELECT 1 FROM queue.recipients r WHERE r.message_id = m.id AND r.status IN ('queued', 'deferred'))
          ORDER BY m.received_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED)`,
      [cutoff.toISOString(), limit],
    );
    return res.rowCount;
  }

  /** Marks recipients as told of their delay; answers those not marked before (one notice each, whoever asks). */
  async markDelayNotified(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE queue.recipients SET delay_notified_at = now() WHERE id = ANY($1::uuid[]) AND delay_notified_at IS NULL RETURNING id`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** Recipients still waiting (queued or deferred): the queue depth. */
  /** How many recipients wait, and for how long the oldest has (the queue gauges). */
  async waitingStats(): Promise<{ depth: number; oldestAgeSeconds: number }> {
    const { rows } = await this.db.query<{ n: number; age: number | string | null }>(
      `SELECT count(*)::int AS n, EXTRACT(EPOCH FROM now() - min(m.received_at))::float8 AS age
         FROM queue.recipients r JOIN queue.messages m ON m.id = r.message_id
        WHERE r.status IN ('queued', 'deferred')`,
    );
    return { depth: Number(rows[0]?.n ?? 0), oldestAgeSeconds: Math.max(0, Number(rows[0]?.age ?? 0)) };
  }
}
