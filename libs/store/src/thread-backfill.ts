import { PeriodicJob, type Database, type Queryable } from '@mail/db';
import { decodeWords } from '@mail/mime';
import type { Logger } from '@mail/telemetry';
import { threadKeys } from './thread-keys.js';

const JOB = 'thread-keys-backfill';
/** one advisory lock for the job across replicas: hashtext of the job's name */
const LOCK = `SELECT pg_try_advisory_xact_lock(hashtext('mail.${JOB}')) AS locked`;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** What an index row keeps that the keys are computed from (ADR 0066's inputs, as stored). */
export interface StoredThreadHeaders {
  messageId: string | null;
  inReplyTo: string | null;
  /** the raw Subject (encoded-words intact), as the envelope keeps it */
  subject: string | null;
  /** the References header as written (migration 010); null on rows indexed before it */
  threadReferences: string | null;
  /** `references: ...` from the lowercased headers, for rows without thread_references */
  lowercasedReferences: string | null;
}

/**
 * The keys an index row would have got at indexing (thread-keys.ts), from what the row kept: the
 * envelope's ids and subject (decoded as the indexer decodes it) and the References header. Rows
 * indexed before migration 010 only kept References lowercased; their ids then match only ids
 * written in lower case, which most are (a miss costs a join, never a wrong one: a key also needs
 * the same base subject).
 */
export function storedThreadKeys(h: StoredThreadHeaders): string[] {
  const references = h.threadReferences ?? (h.lowercasedReferences ? h.lowercasedReferences.replace(/^references:\s*/, '') : null);
  return threadKeys({ messageId: h.messageId, inReplyTo: h.inReplyTo, references, subject: h.subject === null ? null : decodeWords(h.subject) });
}

export interface BackfillBatch {
  /** messages rows looked at (done or not) */
  scanned: number;
  /** thread keys registered or lowered */
  keys: number;
  /** index rows given keys */
  indexed: number;
  done: boolean;
  /** another replica holds the job this moment */
  busy?: boolean;
}

interface MessageRow {
  mailbox_id: string;
  uid: string;
  index_id: string;
  account_id: string;
  thread_id: string | null;
}

interface IndexRow {
  id: string;
  message_id: string | null;
  in_reply_to: string | null;
  subject: string | null;
  thread_references: string | null;
  lowercased_references: string | null;
  thread_keys: string[] | null;
}

/**
 * ADR 0072: registers the thread keys of messages stored before migration 012 (mail.messages with
 * no thread_id), so that a reply arriving now joins the thread of its old parent. Nothing a client
 * was shown changes: an old message's THREADID stays COALESCE(thread_id, index_id) = its index row
 * id, and that is the number its keys lead to; where a key already leads somewhere (a post-012
 * message named the same id) the smaller, older number wins for later arrivals, as at append.
 * Old messages are not merged with each other (each keeps the id it had).
 *
 * Walks mail.messages in primary key order in small transactions; where it got to is kept in
 * mail.background_jobs, so a restart resumes and a finished job never scans again. One replica at
 * a time (an advisory lock per batch); each batch gives up on a lock it cannot get quickly, so an
 * append that wants the same thread key wins and the batch is tried again on the next tick.
 */
export class ThreadKeysBackfill {
  private finished = false;
  private readonly job = new PeriodicJob(
    async () => {
      const r = await this.runFor(this.budgetMs);
      if (r.keys || r.indexed) this.logger.info({ scanned: r.scanned, keys: r.keys, indexed: r.indexed, done: r.done }, 'thread keys backfilled');
    },
    (err) => this.logger.warn({ err }, 'thread keys backfill failed; retried on the next tick'),
  );

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly batchSize = 500,
    /** how long one tick may keep at it */
    private readonly budgetMs = 2000,
  ) {}

  start(intervalMs: number): void {
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** batches until done, busy, or `ms` have passed */
  async runFor(ms: number): Promise<BackfillBatch> {
    const total: BackfillBatch = { scanned: 0, keys: 0, indexed: 0, done: this.finished };
    const until = Date.now() + ms;
    while (!this.finished) {
      const b = await this.batch();
      total.scanned += b.scanned;
      total.keys += b.keys;
      total.indexed += b.indexed;
      total.done = b.done;
      if (b.done) this.finished = true;
      if (b.done || b.busy || Date.now() >= until) break;
    }
    return total;
  }

  /** one batch, in one transaction */
  async batch(): Promise<BackfillBatch> {
    return this.db.transaction(async (tx) => {
      const none: BackfillBatch = { scanned: 0, keys: 0, indexed: 0, done: false };
      const { rows: lock } = await tx.query<{ locked: boolean }>(LOCK);
      if (!lock[0]?.locked) return { ...none, busy: true };
      // an append waiting on a key this batch holds must not wait long, nor deadlock with it
      await tx.query("SET LOCAL lock_timeout = '200ms'");
      await tx.query(`INSERT INTO mail.background_jobs (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [JOB]);
      const { rows: state } = await tx.query<{ cursor_mailbox: string; cursor_uid: string; done_at: Date | null }>(
        'SELECT cursor_mailbox, cursor_uid, done_at FROM mail.background_jobs WHERE name = $1',
        [JOB],
      );
      const at = state[0] ?? { cursor_mailbox: NIL_UUID, cursor_uid: '0', done_at: null };
      if (at.done_at) return { ...none, done: true };
      const { rows } = await tx.query<MessageRow>(
        `SELECT m.mailbox_id, m.uid, m.index_id, m.thread_id, b.account_id
           FROM mail.messages m JOIN mail.mailboxes b ON b.id = m.mailbox_id
          WHERE (m.mailbox_id, m.uid) > ($1::uuid, $2::bigint)
          ORDER BY m.mailbox_id, m.uid LIMIT ${this.batchSize}`,
        [at.cursor_mailbox, at.cursor_uid],
      );
      const old = rows.filter((r) => r.thread_id === null);
      const keysOf = await this.indexKeys(tx, [...new Set(old.map((r) => String(r.index_id)))]);
      // per owner and key, the smallest thread (the oldest message) among the batch's
      const threads = new Map<string, { account: string; key: string; thread: bigint }>();
      for (const r of old) {
        for (const key of keysOf.keys.get(String(r.index_id)) ?? []) {
          const id = `${r.account_id}:${key}`;
          const thread = BigInt(r.index_id);
          const seen = threads.get(id);
          if (!seen || thread < seen.thread) threads.set(id, { account: r.account_id, key, thread });
        }
      }
      const list = [...threads.values()].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      let keys = 0;
      if (list.length) {
        const res = await tx.query(
          `INSERT INTO mail.thread_keys (account_id, key, thread_id)
           SELECT a, k, t FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS v(a, k, t)
           ON CONFLICT (account_id, key) DO UPDATE SET thread_id = excluded.thread_id
           WHERE excluded.thread_id < mail.thread_keys.thread_id`,
          [list.map((x) => x.account), list.map((x) => x.key), list.map((x) => x.thread.toString())],
        );
        keys = res.rowCount ?? 0;
      }
      const last = rows[rows.length - 1];
      const done = rows.length < this.batchSize;
      await tx.query(
        `UPDATE mail.background_jobs SET cursor_mailbox = $2, cursor_uid = $3, done_at = CASE WHEN $4 THEN now() END, updated_at = now() WHERE name = $1`,
        [JOB, last?.mailbox_id ?? at.cursor_mailbox, last?.uid ?? at.cursor_uid, done],
      );
      return { scanned: rows.length, keys, indexed: keysOf.indexed, done };
    });
  }

  /** the keys of these index rows; rows without keys yet get them computed and kept */
  private async indexKeys(tx: Queryable, ids: string[]): Promise<{ keys: Map<string, string[]>; indexed: number }> {
    const keys = new Map<string, string[]>();
    if (!ids.length) return { keys, indexed: 0 };
    const { rows } = await tx.query<IndexRow>(
      `SELECT id, envelope->>'messageId' AS message_id, envelope->>'inReplyTo' AS in_reply_to, envelope->>'subject' AS subject, thread_references,
              CASE WHEN thread_references IS NULL AND thread_keys IS NULL THEN (SELECT h FROM unnest(headers) h WHERE h LIKE 'references:%' LIMIT 1) END AS lowercased_references,
              thread_keys::text[] AS thread_keys
         FROM mail.message_indexes WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    const fresh: Array<{ id: string; keys: string[] }> = [];
    for (const r of rows) {
      if (r.thread_keys) {
        keys.set(String(r.id), r.thread_keys);
        continue;
      }
      const k = storedThreadKeys({ messageId: r.message_id, inReplyTo: r.in_reply_to, subject: r.subject, threadReferences: r.thread_references, lowercasedReferences: r.lowercased_references });
      keys.set(String(r.id), k);
      fresh.push({ id: String(r.id), keys: k });
    }
    if (fresh.length) {
      // the row's keys kept too: a later append of the same blob (another recipient) reads them back
      await tx.query(
        `UPDATE mail.message_indexes x SET thread_keys = v.keys
           FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, keys bigint[])
          WHERE x.id = v.id AND x.thread_keys IS NULL`,
        [JSON.stringify(fresh)],
      );
    }
    return { keys, indexed: fresh.length };
  }
}
