import { inlineBodyInsert, inlineBodyVisible } from '@mail/blob';
import type { Queryable } from '@mail/db';
import type { IndexRecord } from './index-record.js';
import { effectiveLimitsSql, quotaFitsSql } from './quota-check.js';
import { MAILBOX_STATE_COLUMNS, type MailboxRow } from './store.records.js';
import { threadLeaders } from './thread-keys.js';

/** An array of 64-bit integers (decimal strings) as one PostgreSQL array literal: unnest cannot pass a bigint[] per row. */
const bigintArray = (keys: readonly string[]) => `{${keys.join(',')}}`;

export interface AppendResultRow {
  mailbox_id: string;
  uid: number;
  uid_validity: number;
  modseq: number;
  /** what `claimRecent` took: the UIDs in (after, upTo] */
  recent?: { after: number; upTo: number };
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
  /**
   * claim \Recent up to the new message in the same statement (an IMAP4rev1 session's own APPEND
   * to its selected mailbox, ADR 0034): no second statement and commit for the claim
   */
  claimRecent?: boolean;
  /**
   * the body is a row committed without its own flush (ADR 0073): write the message only where
   * that row is visible to the statement (`inlineBodyVisible`), whose synchronous commit then
   * covers it; the database must hold the blob schema
   */
  checkBody?: boolean;
  /**
   * the body's bytes, held by the caller (a put with `flush: 'by-caller'`): the statement writes the
   * body's row too, when it writes the message (ADR 0073); the database must hold the blob schema
   */
  body?: Buffer;
}

/** Appends to one mailbox written by one statement (ADR 0053): every item with its own new (or shared) index row. */
export interface NewAppendGroup {
  accountId: string;
  mailboxId: string;
  /** the same flags on every item (a delivery's: none) */
  flags: string[];
  /** 1 when those flags lack \Seen */
  unseen: number;
  items: Array<{ blobKey: string; internalDate: string; idempotencyKey: string | null; record: IndexRecord }>;
}

/** One append to each of several mailboxes, written by one statement (ADR 0059): every mailbox and every blob once. */
export interface NewAppendAcross {
  /** the same flags on every item (a delivery's: none) */
  flags: string[];
  /** 1 when those flags lack \Seen */
  unseen: number;
  items: Array<{ accountId: string; mailboxId: string; blobKey: string; internalDate: string; idempotencyKey: string | null; record: IndexRecord }>;
}

/**
 * An append addressed by mailbox name, with the quota it is held to (ADR 0069): the statement finds
 * the mailbox and checks the quota itself, so the append needs no context read before it. Only for
 * an append with its index record and without an idempotency key (an IMAP APPEND's).
 */
export interface NewNamedAppend extends Omit<NewAppend, 'mailboxId' | 'index' | 'idempotencyKey'> {
  mailbox: string;
  record: IndexRecord;
  /** the caller's limits and the store's default, as `effectiveLimits` takes them (the account's own column is read in the statement) */
  limits: { givenBytes: number | null; givenMessages: number | null; defaultBytes: number | null };
}

export type NamedAppendOutcome =
  | { ok: true; row: AppendResultRow; mailboxId: string }
  /** no mailbox of that name (or no account yet): nothing was written */
  | { ok: false; why: 'no-mailbox' }
  /** the message does not fit: nothing was written; what was used and the limits, for the message */
  | { ok: false; why: 'over-quota'; used: { bytes: number; messages: number }; limits: { bytes: number | null; messages: number | null }; size: number }
  /** `checkBody` and the body's row was not visible: nothing was written (the index reference was given back) */
  | { ok: false; why: 'body-not-visible' };

export type AppendOutcome =
  | { ok: true; row: AppendResultRow }
  /** the existing index row was collected meanwhile: parse and insert it instead */
  | { ok: false; why: 'index-gone' }
  /** the mailbox was deleted meanwhile; the index reference taken for it was given back */
  | { ok: false; why: 'mailbox-gone' }
  /** `checkBody` and the body's row was not visible: nothing was written (the index reference was given back) */
  | { ok: false; why: 'body-not-visible' };

/**
 * The index columns of several records as arrays for `unnest`, in the order the statements take
 * them: size, header size, envelope, IMAP envelope, body structure, sent date and day, the five
 * lowercased search headers, the header fields (a JSON array: a text[] per row does not pass
 * through unnest) and the body text.
 */
function indexColumns(records: IndexRecord[]): unknown[][] {
  const col = <T>(f: (r: IndexRecord) => T) => records.map(f);
  return [
    col((r) => r.size),
    col((r) => r.headerSize),
    col((r) => r.envelopeJson),
    col((r) => r.envelopeImap),
    col((r) => r.bodyJson),
    col((r) => r.sentDate),
    col((r) => r.sentOn),
    col((r) => r.hdrFrom),
    col((r) => r.hdrTo),
    col((r) => r.hdrCc),
    col((r) => r.hdrBcc),
    col((r) => r.hdrSubject),
    col((r) => JSON.stringify(r.headers)),
    col((r) => r.bodyText),
  ];
}

/**
 * The thread a new message joins in its owner's mailboxes (ADR 0066): the oldest thread any of its
 * keys already leads to (\`th.id\`, NULL for none: the message starts one, numbered by its own
 * index row). One primary-key probe per key of \`x\`, in the append's own statement; \`$2\` is the
 * owner. Rows the same statement writes are not seen (one snapshot): a group links its own
 * members with \`threadLeaders\` instead.
 */
const THREAD_LOOKUP_ONE = `th AS (
         SELECT min(k.thread_id) AS id FROM x CROSS JOIN LATERAL unnest(x.thread_keys) u(key)
         JOIN mail.thread_keys k ON k.account_id = $2 AND k.key = u.key
       )`;

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

  /** The results of earlier appends with any of `keys`, by key. */
  async findAppends(q: Queryable, accountId: string, keys: string[]): Promise<Map<string, AppendResultRow>> {
    const { rows } = await q.query<AppendResultRow & { idempotency_key: string }>(
      'SELECT idempotency_key, mailbox_id, uid, uid_validity, modseq FROM mail.append_results WHERE account_id = $1 AND idempotency_key = ANY($2::text[]) AND uid IS NOT NULL',
      [accountId, keys],
    );
    return new Map(rows.map((r) => [r.idempotency_key, { mailbox_id: r.mailbox_id, uid: Number(r.uid), uid_validity: Number(r.uid_validity), modseq: Number(r.modseq) }]));
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
   * A group of appends to one mailbox in ONE statement (ADR 0053): the mailbox row is updated once
   * (`uid_next + n`, `highest_modseq + n`), which allocates the group's UIDs and MODSEQs as a block
   * in item order, as n appends one after the other would; then every index row (or a reference on
   * an existing one), message row and idempotency record. One round trip holds the mailbox row lock
   * instead of one per message. Nothing is written when the mailbox is gone (null); a duplicate key
   * aborts the whole statement (the caller then appends the items one by one).
   */
  async appendGroup(q: Queryable, g: NewAppendGroup): Promise<{ firstUid: number; baseModseq: number; uidValidity: number } | null> {
    const items = g.items;
    const unseen = g.unseen * items.length;
    const bytes = items.reduce((n, i) => n + i.record.size, 0);
    const { rows } = await q.query<{ mailbox_id: string | null; first_uid: number | null; base_modseq: number | null; uid_validity: number | null }>(
      `WITH t AS (
         SELECT * FROM unnest($5::text[], $6::timestamptz[], $7::text[], $8::bigint[], $9::int[], $10::text[], $11::text[], $12::text[],
                              $13::timestamptz[], $14::date[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $24::text[],
                              $25::text[], $26::int[])
           WITH ORDINALITY AS t(blob_key, internal_date, key, size, header_size, envelope, envelope_imap, body,
                                sent_date, sent_on, hdr_from, hdr_to, hdr_cc, hdr_bcc, hdr_subject, headers, body_text, thread_references,
                                thread_keys, leader, ord)
       ),
       a AS (
         UPDATE mail.mailboxes SET uid_next = uid_next + $3, highest_modseq = highest_modseq + $3,
           message_count = message_count + $3, unseen_count = unseen_count + $22, size_bytes = size_bytes + $23
         WHERE id = $1 AND account_id = $2
         RETURNING id, uid_next - $3 AS first_uid, highest_modseq - $3 AS base_modseq, uid_validity
       ),
       x AS (
         INSERT INTO mail.message_indexes
           (blob_key, size, header_size, envelope, envelope_imap, body, sent_date, sent_on, hdr_from, hdr_to, hdr_cc, hdr_bcc, hdr_subject, headers, body_text, thread_references, thread_keys, ref_count)
         SELECT blob_key, size, header_size, envelope::jsonb, envelope_imap, body::jsonb, sent_date, sent_on, hdr_from, hdr_to, hdr_cc, hdr_bcc, hdr_subject,
                ARRAY(SELECT jsonb_array_elements_text(headers::jsonb)), body_text, thread_references, thread_keys::bigint[], 1
           FROM t WHERE EXISTS (SELECT 1 FROM a)
         ON CONFLICT (blob_key) DO UPDATE SET ref_count = mail.message_indexes.ref_count + 1, unreferenced_since = NULL
         RETURNING id, blob_key, size, header_size, thread_keys
       ),
       -- the thread of each group of members that belong together (threadLeaders): the oldest any
       -- member's key leads to, else the one its leader (first member) starts
       th AS (
         SELECT t.leader, min(k.thread_id) AS id FROM t JOIN x ON x.blob_key = t.blob_key CROSS JOIN LATERAL unnest(x.thread_keys) u(key)
         JOIN mail.thread_keys k ON k.account_id = $2 AND k.key = u.key GROUP BY t.leader
       ),
       tt AS (
         SELECT t.ord, t.blob_key, COALESCE(th.id, lx.id) AS thread_id
           FROM t JOIN t l ON l.ord = t.leader JOIN x lx ON lx.blob_key = l.blob_key LEFT JOIN th ON th.leader = t.leader
       ),
       ins AS (
         INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id, thread_id)
         SELECT a.id, a.first_uid + t.ord - 1, a.base_modseq + t.ord, $4::text[], t.internal_date, x.size, t.blob_key, x.header_size, x.id, tt.thread_id
           FROM a, t JOIN x ON x.blob_key = t.blob_key JOIN tt ON tt.ord = t.ord
       ),
       tk AS (
         INSERT INTO mail.thread_keys (account_id, key, thread_id)
         SELECT $2, u.key, tt.thread_id FROM a, tt JOIN x ON x.blob_key = tt.blob_key CROSS JOIN LATERAL unnest(x.thread_keys) u(key)
         ON CONFLICT DO NOTHING
       ),
       rec AS (
         INSERT INTO mail.append_results (account_id, idempotency_key, mailbox_id, uid, uid_validity, modseq)
         SELECT $2, t.key, a.id, a.first_uid + t.ord - 1, a.uid_validity, a.base_modseq + t.ord FROM a, t WHERE t.key IS NOT NULL
       )
       SELECT a.id AS mailbox_id, a.first_uid, a.base_modseq, a.uid_validity FROM (SELECT 1) one LEFT JOIN a ON true`,
      [
        g.mailboxId,
        g.accountId,
        items.length,
        g.flags,
        items.map((i) => i.blobKey),
        items.map((i) => i.internalDate),
        items.map((i) => i.idempotencyKey),
        ...indexColumns(items.map((i) => i.record)),
        unseen,
        bytes,
        items.map((i) => i.record.threadReferences),
        items.map((i) => bigintArray(i.record.threadKeys)),
        threadLeaders(items.map((i) => i.record.threadKeys)),
      ],
    );
    const row = rows[0];
    if (row?.mailbox_id == null) return null;
    return { firstUid: Number(row.first_uid), baseModseq: Number(row.base_modseq), uidValidity: Number(row.uid_validity) };
  }

  /**
   * One append to each of several mailboxes in ONE statement (ADR 0059): a delivery batch spread
   * over many accounts (one message each) pays one round trip, one statement and one commit
   * instead of one per message. The mailbox rows are locked in id order before they are updated
   * (a materialized `ORDER BY … FOR UPDATE`: the lock node sits above the sort), so two such statements, or one
   * and a single append, never wait on each other in a cycle. Every item has its own blob (an
   * `ON CONFLICT DO UPDATE` may not touch a row twice in one statement). A mailbox gone meanwhile
   * gets no row in the answer and nothing written for it; a duplicate idempotency key (another
   * replica racing) aborts the whole statement. Answers one row per mailbox written.
   */
  async appendAcross(q: Queryable, g: NewAppendAcross): Promise<Map<string, AppendResultRow>> {
    const items = g.items;
    const { rows } = await q.query<AppendResultRow>(
      `WITH t AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::int[], $8::text[], $9::text[], $10::text[],
                              $11::timestamptz[], $12::date[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
                              $23::text[])
           AS t(mailbox_id, account_id, blob_key, internal_date, key, size, header_size, envelope, envelope_imap, body,
                sent_date, sent_on, hdr_from, hdr_to, hdr_cc, hdr_bcc, hdr_subject, headers, body_text, thread_references, thread_keys)
       ),
       lk AS MATERIALIZED (
         SELECT mb.id FROM mail.mailboxes mb JOIN t ON mb.id = t.mailbox_id AND mb.account_id = t.account_id ORDER BY mb.id FOR UPDATE OF mb
       ),
       a AS (
         UPDATE mail.mailboxes mb SET uid_next = mb.uid_next + 1, highest_modseq = mb.highest_modseq + 1,
           message_count = mb.message_count + 1, unseen_count = mb.unseen_count + $21, size_bytes = mb.size_bytes + t.size
         FROM t, lk WHERE mb.id = t.mailbox_id AND lk.id = mb.id
         RETURNING mb.id, mb.uid_next - 1 AS uid, mb.highest_modseq AS modseq, mb.uid_validity
       ),
       x AS (
         INSERT INTO mail.message_indexes
           (blob_key, size, header_size, envelope, envelope_imap, body, sent_date, sent_on, hdr_from, hdr_to, hdr_cc, hdr_bcc, hdr_subject, headers, body_text, thread_references, thread_keys, ref_count)
         SELECT t.blob_key, t.size, t.header_size, t.envelope::jsonb, t.envelope_imap, t.body::jsonb, t.sent_date, t.sent_on, t.hdr_from, t.hdr_to, t.hdr_cc, t.hdr_bcc, t.hdr_subject,
                ARRAY(SELECT jsonb_array_elements_text(t.headers::jsonb)), t.body_text, t.thread_references, t.thread_keys::bigint[], 1
           FROM t JOIN a ON a.id = t.mailbox_id
         ON CONFLICT (blob_key) DO UPDATE SET ref_count = mail.message_indexes.ref_count + 1, unreferenced_since = NULL
         RETURNING id, blob_key, size, header_size, thread_keys
       ),
       -- every item its own owner's thread (ADR 0066); items of one statement do not see each other's keys
       th AS (
         SELECT t.blob_key, min(k.thread_id) AS id FROM t JOIN x ON x.blob_key = t.blob_key CROSS JOIN LATERAL unnest(x.thread_keys) u(key)
         JOIN mail.thread_keys k ON k.account_id = t.account_id AND k.key = u.key GROUP BY t.blob_key
       ),
       ins AS (
         INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id, thread_id)
         SELECT a.id, a.uid, a.modseq, $22::text[], t.internal_date, x.size, t.blob_key, x.header_size, x.id, COALESCE(th.id, x.id)
           FROM t JOIN a ON a.id = t.mailbox_id JOIN x ON x.blob_key = t.blob_key LEFT JOIN th ON th.blob_key = t.blob_key
       ),
       tk AS (
         INSERT INTO mail.thread_keys (account_id, key, thread_id)
         SELECT t.account_id, u.key, COALESCE(th.id, x.id)
           FROM t JOIN a ON a.id = t.mailbox_id JOIN x ON x.blob_key = t.blob_key LEFT JOIN th ON th.blob_key = t.blob_key CROSS JOIN LATERAL unnest(x.thread_keys) u(key)
         ON CONFLICT DO NOTHING
       ),
       rec AS (
         INSERT INTO mail.append_results (account_id, idempotency_key, mailbox_id, uid, uid_validity, modseq)
         SELECT t.account_id, t.key, a.id, a.uid, a.uid_validity, a.modseq FROM t JOIN a ON a.id = t.mailbox_id WHERE t.key IS NOT NULL
       )
       SELECT a.id AS mailbox_id, a.uid, a.uid_validity, a.modseq FROM a`,
      [
        items.map((i) => i.mailboxId),
        items.map((i) => i.accountId),
        items.map((i) => i.blobKey),
        items.map((i) => i.internalDate),
        items.map((i) => i.idempotencyKey),
        ...indexColumns(items.map((i) => i.record)),
        items.map((i) => i.record.threadReferences),
        g.unseen,
        g.flags,
        items.map((i) => bigintArray(i.record.threadKeys)),
      ],
    );
    return new Map(rows.map((r) => [r.mailbox_id, { mailbox_id: r.mailbox_id, uid: Number(r.uid), uid_validity: Number(r.uid_validity), modseq: Number(r.modseq) }]));
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
    const params: unknown[] = [a.mailboxId, a.accountId, a.unseen, a.flags, a.internalDate, a.blobKey, a.idempotencyKey];
    if (existing != null) params.push(existing);
    else if (r) params.push(...recordParams(r));
    const row = await this.write(q, params, existing != null, a.claimRecent === true, a.checkBody === true, null, withBody(params, a.body));
    if (row.index_id == null) return { ok: false, why: 'index-gone' };
    if (row.mailbox_id == null) {
      await this.giveBack(q, row.index_id);
      return { ok: false, why: row.body_visible === false ? 'body-not-visible' : 'mailbox-gone' };
    }
    return { ok: true, row: resultRow(row, a.claimRecent === true) };
  }

  /**
   * The same one statement addressed by mailbox name (ADR 0069): the mailbox is found and the quota
   * checked in the statement (the context read's mailbox, use and account quota, then
   * `effectiveLimits` and `quotaProblem` as SQL), so an IMAP APPEND costs one round trip less.
   * When the mailbox is missing or the message does not fit, the statement writes nothing but the
   * index row's reference, which is given back as for a mailbox gone.
   */
  async appendNamed(q: Queryable, a: NewNamedAppend): Promise<NamedAppendOutcome> {
    const params: unknown[] = [a.mailbox, a.accountId, a.unseen, a.flags, a.internalDate, a.blobKey, null, ...recordParams(a.record)];
    params.push(a.limits.givenBytes, a.limits.givenMessages, a.limits.defaultBytes);
    const n = params.length;
    const row = await this.write(q, params, false, a.claimRecent === true, a.checkBody === true, { bytes: `$${n - 2}`, messages: `$${n - 1}`, defaultBytes: `$${n}` }, withBody(params, a.body));
    if (row.mailbox_id != null) return { ok: true, row: resultRow(row, a.claimRecent === true), mailboxId: row.mailbox_id };
    if (row.index_id != null) await this.giveBack(q, row.index_id);
    if (row.found_id == null) return { ok: false, why: 'no-mailbox' };
    if (row.body_visible === false) return { ok: false, why: 'body-not-visible' };
    return {
      ok: false,
      why: 'over-quota',
      used: { bytes: Number(row.used), messages: Number(row.messages) },
      limits: { bytes: row.limit_bytes == null ? null : Number(row.limit_bytes), messages: row.limit_messages == null ? null : Number(row.limit_messages) },
      size: a.record.size,
    };
  }

  /**
   * The statement of `append` and `appendNamed` (the former's comment says what it does). `$1` is
   * the mailbox's id, or its name when `named` gives the parameters of the quota check. `checkBody`:
   * the mailbox row is updated (and so anything written) only where the body's row (`$6`) is visible
   * to the statement, which says whether it was (ADR 0073). `body`: the parameter of the body's
   * bytes, written as its row (libs/blob's `inlineBodyInsert`) when the message is (ADR 0073).
   */
  private async write(
    q: Queryable,
    params: unknown[],
    existing: boolean,
    claimRecent: boolean,
    checkBody: boolean,
    named: { bytes: string; messages: string; defaultBytes: string } | null,
    body: string | null,
  ) {
    const indexCte = existing
      ? `x AS (
             UPDATE mail.message_indexes SET ref_count = ref_count + 1, unreferenced_since = NULL
             WHERE id = $8 RETURNING id, size, header_size, thread_keys
           )`
      : `x AS (
             INSERT INTO mail.message_indexes
               (blob_key, size, header_size, envelope, envelope_imap, body, sent_date, sent_on, hdr_from, hdr_to, hdr_cc, hdr_bcc, hdr_subject, headers, body_text, thread_references, thread_keys, ref_count)
             VALUES ($6, $8, $9, $10::jsonb, $20, $11::jsonb, $12::timestamptz, $21::date, $13, $14, $15, $16, $17, $18::text[], $19, $22, $23::bigint[], 1)
             ON CONFLICT (blob_key) DO UPDATE SET ref_count = mail.message_indexes.ref_count + 1, unreferenced_since = NULL
             RETURNING id, size, header_size, thread_keys
           )`;
    // by name: the mailbox (mb) with what its account uses and the limits that apply, as the
    // context read and effectiveLimits have them; `fits` is quotaProblem's test, both built from
    // quota-check's one rule (ADR 0073)
    const limits = named && effectiveLimitsSql({ bytes: `${named.bytes}::bigint`, messages: `${named.messages}::bigint` }, 'acc.quota_bytes', `${named.defaultBytes}::bigint`);
    const target = named && limits
      ? {
          cte: `mb AS (
             SELECT m.id, u.used, u.messages, ${limits.bytes} AS limit_bytes, ${limits.messages} AS limit_messages
               FROM mail.mailboxes m
               CROSS JOIN LATERAL (SELECT coalesce(sum(size_bytes), 0)::bigint AS used, coalesce(sum(message_count), 0)::bigint AS messages
                                   FROM mail.mailboxes WHERE account_id = $2) u
               LEFT JOIN mail.accounts acc ON acc.account_id = $2
              WHERE m.account_id = $2 AND m.name = $1
           ),
           fits AS (
             SELECT mb.id FROM mb, x
              WHERE ${quotaFitsSql({ bytes: 'mb.used', messages: 'mb.messages' }, { bytes: 'x.size', messages: '1' }, { bytes: 'mb.limit_bytes', messages: 'mb.limit_messages' })}
           ),`,
          id: '(SELECT id FROM fits)',
          select: ', (SELECT id FROM mb) AS found_id, (SELECT used FROM mb) AS used, (SELECT messages FROM mb) AS messages, (SELECT limit_bytes FROM mb) AS limit_bytes, (SELECT limit_messages FROM mb) AS limit_messages',
        }
      : { cte: '', id: '$1', select: '' };
    // the \Recent claim as in MailboxRepository.claimRecent: the row locked and its watermark read
    // (o) before the update moves it up to the new UID, so concurrent claimers never share a UID
    const claim = claimRecent
      ? {
          cte: `o AS (SELECT recent_uid FROM mail.mailboxes WHERE id = ${target.id} AND account_id = $2 FOR UPDATE),`,
          set: ', recent_uid = GREATEST(m.recent_uid, m.uid_next)',
          from: 'FROM o',
          returning: ', o.recent_uid AS recent_after, m.recent_uid AS recent_up_to',
          select: ', a.recent_after, a.recent_up_to',
        }
      : { cte: '', set: '', from: '', returning: '', select: '' };

    // the search columns arrive lowercased (index-record.ts; the search lowers its pattern the same
    // way): substring search then runs as LIKE, several times cheaper than ILIKE
    const { rows } = await q.query<WrittenRow>(
      `WITH ${indexCte}, ${target.cte} ${claim.cte}
       a AS (
         UPDATE mail.mailboxes m SET uid_next = m.uid_next + 1, highest_modseq = m.highest_modseq + 1,
           message_count = m.message_count + 1, unseen_count = m.unseen_count + $3,
           size_bytes = m.size_bytes + (SELECT size FROM x)${claim.set}
         ${claim.from}
         WHERE m.id = ${target.id} AND m.account_id = $2 AND EXISTS (SELECT 1 FROM x)${checkBody ? ` AND ${inlineBodyVisible('$6')}` : ''}
         RETURNING m.id, m.uid_next - 1 AS uid, m.highest_modseq AS modseq, m.uid_validity${claim.returning}
       ),
       ${THREAD_LOOKUP_ONE},
       ins AS (
         INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id, thread_id)
         SELECT a.id, a.uid, a.modseq, $4::text[], $5::timestamptz, x.size, $6, x.header_size, x.id, COALESCE(th.id, x.id) FROM a, x, th
       ),
       tk AS (
         INSERT INTO mail.thread_keys (account_id, key, thread_id)
         SELECT $2, u.key, COALESCE(th.id, x.id) FROM a, x, th, unnest(x.thread_keys) u(key)
         ON CONFLICT DO NOTHING
       ),
       rec AS (
         INSERT INTO mail.append_results (account_id, idempotency_key, mailbox_id, uid, uid_validity, modseq)
         SELECT $2, $7::text, a.id, a.uid, a.uid_validity, a.modseq FROM a WHERE $7::text IS NOT NULL
       )${body ? `,
       bw AS (${inlineBodyInsert('$6', `${body}::bytea`, 'EXISTS (SELECT 1 FROM a)')})` : ''}
       SELECT (SELECT id FROM x) AS index_id, a.id AS mailbox_id, a.uid, a.uid_validity, a.modseq${claim.select}${target.select}${checkBody ? `, ${inlineBodyVisible('$6')} AS body_visible` : ''}
       FROM (SELECT 1) one LEFT JOIN a ON true`,
      params,
    );
    return rows[0];
  }

  /** no transaction to roll back: the index reference the statement took is given back, the blob sweep collects the row */
  private async giveBack(q: Queryable, indexId: number): Promise<void> {
    await q.query('UPDATE mail.message_indexes SET ref_count = ref_count - 1, unreferenced_since = CASE WHEN ref_count <= 1 THEN now() ELSE unreferenced_since END WHERE id = $1', [indexId]);
  }
}

interface WrittenRow {
  index_id: number | null;
  mailbox_id: string | null;
  uid: number | null;
  uid_validity: number | null;
  modseq: number | null;
  recent_after?: number;
  recent_up_to?: number;
  found_id?: string | null;
  used?: number | null;
  messages?: number | null;
  limit_bytes?: number | null;
  limit_messages?: number | null;
  body_visible?: boolean;
}

/** the body's bytes as the statement's last parameter, named for `write` (none: null) */
function withBody(params: unknown[], body: Buffer | undefined): string | null {
  if (!body) return null;
  params.push(body);
  return `$${params.length}`;
}

/** a new index row's columns as the statement's parameters $8..$23 */
function recordParams(r: IndexRecord): unknown[] {
  return [r.size, r.headerSize, r.envelopeJson, r.bodyJson, r.sentDate, r.hdrFrom, r.hdrTo, r.hdrCc, r.hdrBcc, r.hdrSubject, r.headers, r.bodyText, r.envelopeImap, r.sentOn, r.threadReferences, r.threadKeys];
}

function resultRow(row: WrittenRow, claimed: boolean): AppendResultRow {
  const recent = claimed ? { recent: { after: Number(row.recent_after), upTo: Number(row.recent_up_to) } } : {};
  return { mailbox_id: row.mailbox_id as string, uid: Number(row.uid), uid_validity: Number(row.uid_validity), modseq: Number(row.modseq), ...recent };
}
