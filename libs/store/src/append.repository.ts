import type { Queryable } from '@mail/db';
import type { IndexRecord } from './index-record.js';
import { MAILBOX_STATE_COLUMNS, type MailboxRow } from './store.records.js';

export interface AppendResultRow {
  mailbox_id: string;
  uid: number;
  uid_validity: number;
  modseq: number;
}

/** Everything an append decides on before it writes, read in one round trip. */
export interface AppendContext {
  /** null: the account has no such mailbox (or no mailboxes yet) */
  mailbox: MailboxRow | null;
  /** the result of an earlier append with the same idempotency key */
  earlier: AppendResultRow | null;
  /** the blob is indexed already (another recipient of the same message) */
  index: { id: number; size: number; headerSize: number } | null;
  used: number;
  /** messages the account holds, all mailboxes */
  messages: number;
  quota: number | null;
}

export interface NewAppend {
  accountId: string;
  mailboxId: string;
  flags: string[];
  internalDate: string;
  blobKey: string;
  /** 1 when the message arrives without \Seen */
  unseen: number;
  idempotencyKey: string | null;
  /** a reference on an existing index row, or the row to insert */
  index: { existingId: number } | { record: IndexRecord };
}

export type AppendOutcome =
  | { ok: true; row: AppendResultRow }
  /** the existing index row was collected meanwhile: parse and insert it instead */
  | { ok: false; why: 'index-gone' }
  /** the mailbox was deleted meanwhile; the index reference taken for it was given back */
  | { ok: false; why: 'mailbox-gone' };

/** The append's SQL: one read, then one statement that writes everything (its own transaction). */
export class AppendRepository {
  async context(q: Queryable, accountId: string, mailbox: string, blobKey: string, key: string | null): Promise<AppendContext> {
    const [ctx] = await this.contexts(q, [{ accountId, mailbox, blobKey, key }]);
    return ctx;
  }

  /** The contexts of several appends in one round trip (a delivery batch), in their order. */
  async contexts(q: Queryable, items: Array<{ accountId: string; mailbox: string; blobKey: string; key: string | null }>): Promise<AppendContext[]> {
    const { rows } = await q.query<{ i: number; mailbox: MailboxRow | null; earlier: AppendResultRow | null; index_id: number | null; size: number | null; header_size: number | null; used: number; messages: number; quota: number | null }>(
      `SELECT t.i,
         (SELECT to_jsonb(m) FROM (SELECT ${MAILBOX_STATE_COLUMNS} FROM mail.mailboxes WHERE account_id = t.account_id AND name = t.mailbox) m) AS mailbox,
         (SELECT to_jsonb(r) FROM (SELECT mailbox_id, uid, uid_validity, modseq FROM mail.append_results
            WHERE account_id = t.account_id AND idempotency_key = t.key AND uid IS NOT NULL) r) AS earlier,
         x.id AS index_id, x.size, x.header_size,
         u.used, u.messages,
         (SELECT quota_bytes FROM mail.accounts WHERE account_id = t.account_id) AS quota
       FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::text[]) AS t(i, account_id, mailbox, blob_key, key)
       LEFT JOIN mail.message_indexes x ON x.blob_key = t.blob_key
       CROSS JOIN LATERAL (SELECT coalesce(sum(size_bytes), 0)::bigint AS used, coalesce(sum(message_count), 0)::bigint AS messages
                           FROM mail.mailboxes WHERE account_id = t.account_id) u
       ORDER BY t.i`,
      [items.map((_, i) => i), items.map((x) => x.accountId), items.map((x) => x.mailbox), items.map((x) => x.blobKey), items.map((x) => x.key)],
    );
    return rows.map((r) => ({
      mailbox: r.mailbox,
      earlier: r.earlier,
      index: r.index_id == null ? null : { id: Number(r.index_id), size: Number(r.size), headerSize: Number(r.header_size) },
      used: Number(r.used),
      messages: Number(r.messages),
      quota: r.quota == null ? null : Number(r.quota),
    }));
  }

  async findAppend(q: Queryable, accountId: string, key: string): Promise<AppendResultRow | null> {
    const { rows } = await q.query<AppendResultRow>(
      'SELECT mailbox_id, uid, uid_validity, modseq FROM mail.append_results WHERE account_id = $1 AND idempotency_key = $2 AND uid IS NOT NULL',
      [accountId, key],
    );
    const r = rows[0];
    return r ? { mailbox_id: r.mailbox_id, uid: Number(r.uid), uid_validity: Number(r.uid_validity), modseq: Number(r.modseq) } : null;
  }

  /**
   * Takes the index reference (or inserts the index), allocates the next UID and MODSEQ under the
   * mailbox row lock that keeps UIDs ascending, inserts the message and records the idempotency
   * key, all in ONE statement: one round trip and one commit instead of seven, and atomic without
   * BEGIN/COMMIT. The key is inserted without ON CONFLICT on purpose: when a concurrent append with
   * the same key committed first, the unique violation aborts the whole statement, so a key never
   * yields two messages (the caller maps it with `isUniqueViolation`).
   */
  async append(q: Queryable, a: NewAppend): Promise<AppendOutcome> {
    const existing = 'existingId' in a.index ? a.index.existingId : null;
    const r = 'record' in a.index ? a.index.record : null;
    const indexCte =
      existing != null
        ? `x AS (
             UPDATE mail.message_indexes SET ref_count = ref_count + 1, unreferenced_since = NULL
             WHERE id = $8 RETURNING id, size, header_size
           )`
        : `x AS (
             INSERT INTO mail.message_indexes
               (blob_key, size, header_size, envelope, envelope_imap, body, sent_date, sent_on, hdr_from, hdr_to, hdr_cc, hdr_bcc, hdr_subject, headers, body_text, thread_references, ref_count)
             VALUES ($6, $8, $9, $10::jsonb, $20, $11::jsonb, $12::timestamptz, $21::date, $13, $14, $15, $16, $17, $18::text[], $19, $22, 1)
             ON CONFLICT (blob_key) DO UPDATE SET ref_count = mail.message_indexes.ref_count + 1, unreferenced_since = NULL
             RETURNING id, size, header_size
           )`;
    const params: unknown[] = [a.mailboxId, a.accountId, a.unseen, a.flags, a.internalDate, a.blobKey, a.idempotencyKey];
    if (existing != null) params.push(existing);
    else if (r) params.push(r.size, r.headerSize, r.envelopeJson, r.bodyJson, r.sentDate, r.hdrFrom, r.hdrTo, r.hdrCc, r.hdrBcc, r.hdrSubject, r.headers, r.bodyText, r.envelopeImap, r.sentOn, r.threadReferences);

    // the search columns arrive lowercased (index-record.ts; the search lowers its pattern the same
    // way): substring search then runs as LIKE, several times cheaper than ILIKE
    const { rows } = await q.query<{ index_id: number | null; mailbox_id: string | null; uid: number | null; uid_validity: number | null; modseq: number | null }>(
      `WITH ${indexCte},
       a AS (
         UPDATE mail.mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1,
           message_count = message_count + 1, unseen_count = unseen_count + $3,
           size_bytes = size_bytes + (SELECT size FROM x)
         WHERE id = $1 AND account_id = $2 AND EXISTS (SELECT 1 FROM x)
         RETURNING id, uid_next - 1 AS uid, highest_modseq AS modseq, uid_validity
       ),
       ins AS (
         INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id)
         SELECT a.id, a.uid, a.modseq, $4::text[], $5::timestamptz, x.size, $6, x.header_size, x.id FROM a, x
       ),
       rec AS (
         INSERT INTO mail.append_results (account_id, idempotency_key, mailbox_id, uid, uid_validity, modseq)
         SELECT $2, $7::text, a.id, a.uid, a.uid_validity, a.modseq FROM a WHERE $7::text IS NOT NULL
       )
       SELECT (SELECT id FROM x) AS index_id, a.id AS mailbox_id, a.uid, a.uid_validity, a.modseq
       FROM (SELECT 1) one LEFT JOIN a ON true`,
      params,
    );
    const row = rows[0];
    if (row.index_id == null) return { ok: false, why: 'index-gone' };
    if (row.mailbox_id == null) {
      // no transaction to roll back: give the reference back, the blob sweep collects the row
      await q.query('UPDATE mail.message_indexes SET ref_count = ref_count - 1, unreferenced_since = CASE WHEN ref_count <= 1 THEN now() ELSE unreferenced_since END WHERE id = $1', [row.index_id]);
      return { ok: false, why: 'mailbox-gone' };
    }
    return { ok: true, row: { mailbox_id: row.mailbox_id, uid: Number(row.uid), uid_validity: Number(row.uid_validity), modseq: Number(row.modseq) } };
  }
}
