import type { MessageState } from '@mail/contracts';
import type { Queryable } from '@mail/db';
import type { CompiledSearch } from './search-sql.js';
import { DELETED, SEEN } from './flags.js';
import { SqlParams, uidScope } from './sql-params.js';
import { numbers } from './store.records.js';

export interface NewMessage {
  mailboxId: string;
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: string;
  size: number;
  blobKey: string;
  headerSize: number;
  indexId: number;
}

export interface FetchedRow {
  uid: number;
  modseq: number;
  flags: string[];
  internal_date: Date | string;
  size: number;
  /** with `bodyRefs` only */
  blob_key?: string;
  header_size?: number;
  /** the jsonb columns as text: the service measures the reply by their length before parsing */
  envelope?: string | null;
  body?: string;
  /** the envelope in IMAP syntax; when asked for, null only for rows indexed before it was kept (see `envelope`) */
  envelope_imap?: string | null;
  /** with `indexId` only: what the EMAILID is made from */
  index_id?: number | string;
  /** with \`indexId\` only: what the THREADID is made from (THREAD_ID) */
  thread_id?: number | string;
  /** with `saveDate` only: when the message was put in the mailbox (rows older than the column: its internal date) */
  save_date?: Date | string;
}

export interface FlagChange {
  updated: Array<MessageState & { wasSeen: boolean; nowSeen: boolean }>;
  conflicts: number[];
}

export interface Removed {
  uids: number[];
  bytes: number;
  unseen: number;
  /** index rows whose last reference went away */
  freed: number[];
}

export interface Copied {
  mapping: [number, number][];
  bytes: number;
  unseen: number;
}

type FlagMode = 'add' | 'remove' | 'replace';

/**
 * The index row of each message, looked up by primary key, with only the columns needed. OFFSET 0
 * keeps the planner from turning this into a hash join over the whole (all accounts)
 * message_indexes table, which it prefers for selective-looking LIKE filters; reading only the
 * needed columns keeps a SUBJECT search from decompressing every body text.
 */
function indexLateral(columns: string[]): string {
  const list = columns.length ? columns.map((c) => `x.${c}`).join(', ') : 'x.id';
  return `CROSS JOIN LATERAL (SELECT ${list} FROM mail.message_indexes x WHERE x.id = m.index_id OFFSET 0) i`;
}

/**
 * RFC 8514's save date of a row: `saved_at` (its column default is the insert's time), or for rows
 * stored before the column existed their internal date (migration 011, ADR 0056).
 */
export const SAVE_DATE = 'COALESCE(m.saved_at, m.internal_date)';

/**
 * The thread number of a row in its owner's numbering (ADR 0066): \`thread_id\`, or for rows stored
 * before the column existed (or by an earlier release) the message's own index row: a thread of
 * its own, so its THREADID never changes once shown.
 */
export const THREAD_ID = 'COALESCE(m.thread_id, m.index_id)';

/** New flag array and "would it change" test per STORE mode, over the current flags `c.flags` and `$f`. */
const FLAG_SQL: Record<FlagMode, (f: string) => { next: string; changes: string }> = {
  add: (f) => ({
    next: `c.flags || ARRAY(SELECT x FROM unnest(${f}::text[]) WITH ORDINALITY AS t(x, n) WHERE NOT x = ANY(c.flags) ORDER BY n)`,
    changes: `NOT c.flags @> ${f}::text[]`,
  }),
  remove: (f) => ({
    next: `ARRAY(SELECT x FROM unnest(c.flags) WITH ORDINALITY AS t(x, n) WHERE NOT x = ANY(${f}::text[]) ORDER BY n)`,
    changes: `c.flags && ${f}::text[]`,
  }),
  replace: (f) => ({ next: `${f}::text[]`, changes: `NOT (c.flags @> ${f}::text[] AND c.flags <@ ${f}::text[])` }),
};

/** SQL over mail.messages, mail.expunged and mail.append_results, always within one mailbox. */
export class MessageRepository {
  async states(q: Queryable, mailboxId: string, afterUid: number, limit: number): Promise<MessageState[]> {
    const { rows } = await q.query<MessageState>(
      'SELECT uid, modseq, flags FROM mail.messages WHERE mailbox_id = $1 AND uid > $2 ORDER BY uid LIMIT $3',
      [mailboxId, afterUid, limit],
    );
    return rows.map(toState);
  }

  async changedSince(q: Queryable, mailboxId: string, modseq: number): Promise<MessageState[]> {
    const { rows } = await q.query<MessageState>(
      'SELECT uid, modseq, flags FROM mail.messages WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid',
      [mailboxId, modseq],
    );
    return rows.map(toState);
  }

  async expungedSince(q: Queryable, mailboxId: string, modseq: number): Promise<number[]> {
    const { rows } = await q.query<{ uid: number }>('SELECT uid FROM mail.expunged WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid', [
      mailboxId,
      modseq,
    ]);
    return rows.map((r) => Number(r.uid));
  }

  /** UIDs expunged with a modseq above `modseq`, within `ranges` when given, ascending, at most `limit`. */
  async vanishedSince(q: Queryable, mailboxId: string, modseq: number, ranges: [number, number][] | null, limit: number): Promise<number[]> {
    const params = new SqlParams([mailboxId, modseq]);
    let where = '';
    if (ranges) {
      const lo = params.add(ranges.map((r) => r[0]));
      const hi = params.add(ranges.map((r) => r[1]));
      where = ` AND EXISTS (SELECT 1 FROM unnest(${lo}::bigint[], ${hi}::bigint[]) r(lo, hi) WHERE e.uid BETWEEN r.lo AND r.hi)`;
    }
    const lim = params.add(limit);
    const { rows } = await q.query<{ uid: number }>(
      `SELECT e.uid FROM mail.expunged e WHERE e.mailbox_id = $1 AND e.modseq > $2${where} ORDER BY e.uid LIMIT ${lim}`,
      params.values,
    );
    return rows.map((r) => Number(r.uid));
  }

  /** Up to `limit` messages in uid order; the index row is joined only when an envelope or the body is asked for. */
  async fetch(
    q: Queryable,
    mailboxId: string,
    ranges: [number, number][],
    limit: number,
    want: { envelope: boolean; imapEnvelope: boolean; body: boolean; bodyRefs: boolean; indexId?: boolean; saveDate?: boolean },
  ): Promise<FetchedRow[]> {
    const params = new SqlParams([mailboxId]);
    const scope = uidScope(ranges, params);
    const lim = params.add(limit);
    // The IMAP envelope comes with the JSON one only for rows indexed before envelope_imap existed:
    // the service renders those.
    const envelopeJson = want.envelope ? 'i.envelope::text' : want.imapEnvelope ? 'CASE WHEN i.envelope_imap IS NULL THEN i.envelope::text END' : null;
    const selected: Array<[column: string, expression: string | null]> = [
      ['envelope_imap', want.imapEnvelope ? 'i.envelope_imap' : null],
      ['envelope', envelopeJson],
      ['body', want.body ? 'i.body::text' : null],
    ];
    const columns = selected.filter(([, e]) => e).map(([c]) => c);
    const extra = selected.map(([c, e]) => (e ? `, ${e} AS ${c}` : '')).join('');
    // The page is cut first (primary key order, LIMIT), then the wide jsonb columns are read for
    // that page alone, one index lookup per row.
    const { rows } = await q.query<FetchedRow>(
      `SELECT m.uid, m.modseq, m.flags, m.internal_date, m.size${want.bodyRefs ? ', m.blob_key, m.header_size' : ''}${want.indexId ? `, m.index_id, ${THREAD_ID} AS thread_id` : ''}${want.saveDate ? `, ${SAVE_DATE} AS save_date` : ''}${extra}
       FROM (SELECT m.* FROM ${scope.from} WHERE m.mailbox_id = $1 AND ${scope.where} ORDER BY m.uid LIMIT ${lim}) m
       ${columns.length ? indexLateral(columns) : ''}
       ORDER BY m.uid`,
      params.values,
    );
    return rows;
  }

  async search(q: Queryable, mailboxId: string, compiled: CompiledSearch): Promise<number[]> {
    const { rows } = await q.query<{ uid: number }>(
      `SELECT m.uid FROM mail.messages m
       ${compiled.needsIndex ? indexLateral(compiled.indexColumns) : ''}
       WHERE m.mailbox_id = $1 AND ${compiled.where}
       ORDER BY m.uid`,
      [mailboxId, ...compiled.params],
    );
    return rows.map((r) => Number(r.uid));
  }

  /**
   * A STORE in one statement (ADR 0057): locks the mailbox row (its next MODSEQ), changes the flags
   * of the messages in `ranges` that really change (and, with `unchangedSince`, only those not
   * modified after it), and moves the mailbox's MODSEQ and unseen counter on when any did. No
   * mailbox row (another account's, or gone): `mailbox` is null. The mailbox lock is taken before
   * any message lock (the gate in `c`), the order every writer of a mailbox keeps.
   * When the statement's snapshot shows no message that the STORE would change (`go`: a client
   * setting \Seen again), nothing is locked or written (ADR 0074): such a STORE took the mailbox
   * lock, locked its messages (WAL) and waited for a commit flush behind every other writer of the
   * mailbox. A change committed after the snapshot is a concurrent one: ordered after this STORE.
   */
  async updateFlags(
    q: Queryable,
    accountId: string,
    mailboxId: string,
    ranges: [number, number][],
    mode: FlagMode,
    flags: string[],
    unchangedSince: number | null,
  ): Promise<FlagChange & { mailbox: { name: string } | null }> {
    const params = new SqlParams([mailboxId, accountId]);
    const scope = uidScope(ranges, params);
    const f = params.add(flags);
    const since = params.add(unchangedSince);
    const seen = params.add([SEEN]);
    const sql = FLAG_SQL[mode](f);
    const { rows } = await q.query<{ kind: string; uid: number | null; flags: string[] | null; modseq: number | null; was_seen: boolean | null; now_seen: boolean | null; name: string | null }>(
      `WITH go AS (
         SELECT ${since}::bigint IS NOT NULL OR EXISTS (
           SELECT 1 FROM (SELECT m.flags FROM ${scope.from} WHERE m.mailbox_id = $1 AND ${scope.where}) c WHERE ${sql.changes}) AS yes
       ), box AS (
         SELECT id, name FROM mail.mailboxes WHERE id = $1 AND account_id = $2
       ), mb AS (
         SELECT id, name, highest_modseq + 1 AS next FROM mail.mailboxes WHERE id = $1 AND account_id = $2 AND (SELECT yes FROM go) FOR UPDATE
       ), c AS (
         SELECT m.uid, m.flags, m.modseq FROM ${scope.from} WHERE m.mailbox_id = $1 AND ${scope.where} AND EXISTS (SELECT 1 FROM mb) FOR UPDATE OF m
       ), upd AS (
         UPDATE mail.messages t SET flags = ${sql.next}, modseq = mb.next
         FROM c, mb
         WHERE t.mailbox_id = $1 AND t.uid = c.uid AND ${sql.changes} AND (${since}::bigint IS NULL OR c.modseq <= ${since}::bigint)
         RETURNING t.uid, t.flags, t.modseq, c.flags @> ${seen}::text[] AS was_seen, t.flags @> ${seen}::text[] AS now_seen
       ), bump AS (
         UPDATE mail.mailboxes b SET highest_modseq = GREATEST(b.highest_modseq, mb.next), unseen_count = b.unseen_count + d.unseen
         FROM mb, (SELECT count(*) AS n, coalesce(sum(CASE WHEN was_seen = now_seen THEN 0 WHEN now_seen THEN -1 ELSE 1 END), 0) AS unseen FROM upd) d
         WHERE b.id = mb.id AND d.n > 0
       )
       SELECT 'm' AS kind, NULL::bigint AS uid, NULL::text[] AS flags, NULL::bigint AS modseq, NULL::boolean AS was_seen, NULL::boolean AS now_seen, name FROM box
       UNION ALL
       SELECT 'u', uid, flags, modseq, was_seen, now_seen, NULL FROM upd
       UNION ALL
       SELECT 'c', uid, NULL, NULL, NULL, NULL, NULL FROM c WHERE ${since}::bigint IS NOT NULL AND c.modseq > ${since}::bigint`,
      params.values,
    );
    const out: FlagChange & { mailbox: { name: string } | null } = { updated: [], conflicts: [], mailbox: null };
    for (const r of rows) {
      if (r.kind === 'm') out.mailbox = { name: r.name ?? '' };
      else if (r.kind === 'c') out.conflicts.push(Number(r.uid));
      else out.updated.push({ uid: Number(r.uid), modseq: Number(r.modseq), flags: r.flags ?? [], wasSeen: !!r.was_seen, nowSeen: !!r.now_seen });
    }
    out.updated.sort((a, b) => a.uid - b.uid);
    out.conflicts.sort((a, b) => a - b);
    return out;
  }

  /**
   * EXPUNGE in ONE statement (ADR 0074): locks the mailbox row (its next MODSEQ), then the messages
   * to remove (\Deleted ones when asked; the lock re-reads each row's flags, so a concurrent STORE
   * that took \Deleted away first is respected), removes them, leaves their tombstones, drops their
   * index references and moves the mailbox's counters and MODSEQ on. The mailbox lock was held over
   * six round trips (BEGIN, the lock, the removal, the counters, the index rows, COMMIT) before,
   * while every other writer of the mailbox waited. `collectable`: index rows whose last reference
   * went away and that are past `graceSeconds` (the caller deletes those after the commit; younger
   * ones are the periodic sweep's). No mailbox row: `mailbox` is null.
   */
  async expunge(
    q: Queryable,
    accountId: string,
    mailboxId: string,
    ranges: [number, number][],
    onlyDeleted: boolean,
    graceSeconds: number,
  ): Promise<Removed & { mailbox: { name: string; highestModseq: number } | null; modseq: number; collectable: number[] }> {
    const params = new SqlParams([mailboxId, accountId]);
    const scope = uidScope(ranges, params);
    const deleted = params.add([DELETED]);
    const only = params.add(onlyDeleted);
    const seen = params.add([SEEN]);
    const grace = params.add(graceSeconds);
    const { rows } = await q.query<{ name: string | null; next: number | null; uids: unknown; bytes: number; unseen: number; freed: unknown; collectable: unknown }>(
      `WITH mb AS (
         SELECT id, name, highest_modseq + 1 AS next FROM mail.mailboxes WHERE id = $1 AND account_id = $2 FOR UPDATE
       ), target AS (
         SELECT m.uid FROM ${scope.from} WHERE m.mailbox_id = $1 AND ${scope.where} AND (NOT ${only}::boolean OR m.flags @> ${deleted}::text[])
           AND EXISTS (SELECT 1 FROM mb) FOR UPDATE OF m
       ), ${removalCtes(seen, '(SELECT next FROM mb)', `, x.created_at <= now() - make_interval(secs => ${grace}) AS old`)}, d AS (
         SELECT count(*) AS n, coalesce(sum(size), 0)::bigint AS bytes, count(*) FILTER (WHERE NOT seen) AS unseen FROM del
       ), bump AS (
         UPDATE mail.mailboxes b
         SET message_count = b.message_count - d.n, unseen_count = b.unseen_count - d.unseen, size_bytes = b.size_bytes - d.bytes,
             highest_modseq = GREATEST(b.highest_modseq, mb.next)
         FROM mb, d WHERE b.id = mb.id AND d.n > 0
       )
       SELECT (SELECT name FROM mb) AS name, (SELECT next FROM mb) AS next,
              (SELECT coalesce(array_agg(uid ORDER BY uid), '{}') FROM del) AS uids,
              (SELECT bytes FROM d) AS bytes, (SELECT unseen FROM d) AS unseen,
              (SELECT coalesce(array_agg(id), '{}') FROM refs WHERE ref_count <= 0) AS freed,
              (SELECT coalesce(array_agg(id), '{}') FROM refs WHERE ref_count <= 0 AND old) AS collectable`,
      params.values,
    );
    const r = rows[0];
    const uids = numbers(r.uids);
    const next = Number(r.next);
    const mailbox = r.name === null ? null : { name: r.name, highestModseq: uids.length ? next : next - 1 };
    return { mailbox, modseq: next, uids, bytes: Number(r.bytes), unseen: Number(r.unseen), freed: numbers(r.freed), collectable: numbers(r.collectable) };
  }

  /**
   * Removes messages (only \Deleted ones when asked), leaves a tombstone with `modseq` for each and
   * drops their index references, all in one statement.
   */
  async remove(q: Queryable, mailboxId: string, ranges: [number, number][], onlyDeleted: boolean, modseq: number): Promise<Removed> {
    const params = new SqlParams([mailboxId]);
    const scope = uidScope(ranges, params);
    const deleted = params.add([DELETED]);
    const only = params.add(onlyDeleted);
    const mod = params.add(modseq);
    const seen = params.add([SEEN]);
    const { rows } = await q.query<{ uids: unknown; bytes: number; unseen: number; freed: unknown }>(
      `WITH target AS (
         SELECT m.uid FROM ${scope.from} WHERE m.mailbox_id = $1 AND ${scope.where} AND (NOT ${only}::boolean OR m.flags @> ${deleted}::text[])
       ), ${removalCtes(seen, `${mod}::bigint`)}
       SELECT (SELECT coalesce(array_agg(uid ORDER BY uid), '{}') FROM del) AS uids,
              (SELECT coalesce(sum(size), 0)::bigint FROM del) AS bytes,
              (SELECT count(*) FROM del WHERE NOT seen) AS unseen,
              (SELECT coalesce(array_agg(id), '{}') FROM refs WHERE ref_count <= 0) AS freed`,
      params.values,
    );
    const r = rows[0];
    return { uids: numbers(r.uids), bytes: Number(r.bytes), unseen: Number(r.unseen), freed: numbers(r.freed) };
  }

  /**
   * Copies messages into `targetId` as uids firstUid, firstUid+1, ... in source uid order. `keep`
   * (a shared target, RFC 4314 4): only the flags the caller may set there travel, \Seen with "s",
   * \Deleted with "t", the others with "w"; the rest are dropped silently.
   */
  async copy(q: Queryable, sourceId: string, ranges: [number, number][], targetId: string, firstUid: number, modseq: number, keep?: { seen: boolean; deleted: boolean; other: boolean }): Promise<Copied> {
    const params = new SqlParams([sourceId]);
    const scope = uidScope(ranges, params);
    const target = params.add(targetId);
    const base = params.add(firstUid);
    const mod = params.add(modseq);
    const seen = params.add([SEEN]);
    let flags = 'm.flags';
    if (keep && !(keep.seen && keep.deleted && keep.other)) {
      const s = params.add(SEEN);
      const d = params.add(DELETED);
      flags = `ARRAY(SELECT f FROM unnest(m.flags) AS f WHERE CASE f WHEN ${s}::text THEN ${params.add(keep.seen)}::boolean WHEN ${d}::text THEN ${params.add(keep.deleted)}::boolean ELSE ${params.add(keep.other)}::boolean END)`;
    }
    const { rows } = await q.query<{ uid: number; new_uid: number; size: number; seen: boolean }>(
      `WITH src AS (
         SELECT m.uid, ${flags} AS flags, m.internal_date, m.size, m.blob_key, m.header_size, m.index_id, m.thread_id,
                row_number() OVER (ORDER BY m.uid) AS rn
         FROM ${scope.from} WHERE m.mailbox_id = $1 AND ${scope.where}
       ), ins AS (
         INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id, thread_id)
         SELECT ${target}::uuid, ${base}::bigint + rn - 1, ${mod}::bigint, flags, internal_date, size, blob_key, header_size, index_id, thread_id FROM src
       ), refs AS (
         UPDATE mail.message_indexes x SET ref_count = x.ref_count + d.n, unreferenced_since = NULL
         FROM (SELECT index_id, count(*)::int AS n FROM src GROUP BY index_id) d
         WHERE x.id = d.index_id
       )
       SELECT uid, ${base}::bigint + rn - 1 AS new_uid, size, flags @> ${seen}::text[] AS seen FROM src ORDER BY uid`,
      params.values,
    );
    let bytes = 0;
    let unseen = 0;
    const mapping: [number, number][] = [];
    for (const r of rows) {
      mapping.push([Number(r.uid), Number(r.new_uid)]);
      bytes += Number(r.size);
      if (!r.seen) unseen++;
    }
    return { mapping, bytes, unseen };
  }

  /** Total size and number of the messages in the ranges (the quota check of COPY). */
  async sizeOf(q: Queryable, mailboxId: string, ranges: [number, number][]): Promise<{ bytes: number; messages: number }> {
    const params = new SqlParams([mailboxId]);
    const scope = uidScope(ranges, params);
    const { rows } = await q.query<{ bytes: number; messages: number }>(
      `SELECT coalesce(sum(m.size), 0)::bigint AS bytes, count(*)::bigint AS messages FROM ${scope.from} WHERE m.mailbox_id = $1 AND ${scope.where}`,
      params.values,
    );
    return { bytes: Number(rows[0]?.bytes ?? 0), messages: Number(rows[0]?.messages ?? 0) };
  }

  async countFlagged(q: Queryable, mailboxId: string, flag: string): Promise<number> {
    const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM mail.messages WHERE mailbox_id = $1 AND flags @> ARRAY[$2::text]', [mailboxId, flag]);
    return Number(rows[0]?.n ?? 0);
  }

  async countInMailbox(q: Queryable, mailboxId: string): Promise<number> {
    const { rows } = await q.query<{ n: number }>('SELECT message_count AS n FROM mail.mailboxes WHERE id = $1', [mailboxId]);
    return Number(rows[0]?.n ?? 0);
  }
}

/**
 * The CTEs both removals share (`target` names the UIDs, `$1` the mailbox): `del` deletes the rows,
 * `tomb` leaves a tombstone at `modseq` for each, `refs` gives back their index references
 * (returning id and ref_count, and `extra` columns).
 */
function removalCtes(seen: string, modseq: string, extra = ''): string {
  return `del AS (
         DELETE FROM mail.messages m USING target
         WHERE m.mailbox_id = $1 AND m.uid = target.uid
         RETURNING m.uid, m.size, m.index_id, m.flags @> ${seen}::text[] AS seen
       ), tomb AS (
         INSERT INTO mail.expunged (mailbox_id, uid, modseq) SELECT $1::uuid, uid, ${modseq} FROM del
         ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq, expunged_at = now()
       ), refs AS (
         UPDATE mail.message_indexes x
         SET ref_count = x.ref_count - d.n,
             unreferenced_since = CASE WHEN x.ref_count - d.n <= 0 THEN now() ELSE x.unreferenced_since END
         FROM (SELECT index_id, count(*)::int AS n FROM del GROUP BY index_id) d
         WHERE x.id = d.index_id
         RETURNING x.id, x.ref_count${extra}
       )`;
}

function toState(r: { uid: number; modseq: number; flags: string[] }): MessageState {
  return { uid: Number(r.uid), modseq: Number(r.modseq), flags: r.flags };
}
