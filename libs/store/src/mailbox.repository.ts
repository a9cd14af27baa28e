import { randomUUID } from 'node:crypto';
import type { Queryable } from '@mail/db';
import { childrenPattern } from './mailbox-name.js';
import { DEFAULT_MAILBOXES, MAILBOX_COLUMNS, MAILBOX_STATE_COLUMNS, type MailboxRow } from './store.records.js';

/** a mailbox's state row and the \Recent range one claim took: the UIDs in (after, upTo] */
export interface StateAndClaim {
  row: MailboxRow;
  recent: { after: number; upTo: number };
}

/** SQL over mail.accounts and mail.mailboxes. Every lookup is scoped by account. */
export class MailboxRepository {
  /** Creates the account's row and default mailboxes, subscribed, once; a no-op (no write) afterwards. */
  async ensureAccount(q: Queryable, accountId: string): Promise<void> {
    const ids = DEFAULT_MAILBOXES.map(() => randomUUID());
    await q.query(
      `WITH a AS (
         INSERT INTO mail.accounts (account_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING account_id
       ), b AS (
         INSERT INTO mail.mailboxes (id, account_id, name, special_use)
         SELECT d.id, a.account_id, d.name, d.special_use
         FROM a CROSS JOIN unnest($2::uuid[], $3::text[], $4::text[]) AS d(id, name, special_use)
         RETURNING account_id, name
       )
       INSERT INTO mail.subscriptions (account_id, name) SELECT account_id, name FROM b ON CONFLICT DO NOTHING`,
      [accountId, ids, DEFAULT_MAILBOXES.map((m) => m.name), DEFAULT_MAILBOXES.map((m) => m.specialUse)],
    );
  }

  async byName(q: Queryable, accountId: string, name: string): Promise<MailboxRow | null> {
    const { rows } = await q.query<MailboxRow>(`SELECT ${MAILBOX_COLUMNS} FROM mail.mailboxes WHERE account_id = $1 AND name = $2`, [accountId, name]);
    return rows[0] ?? null;
  }

  /** The account's first mailbox (by name) with this special-use attribute. */
  async bySpecialUse(q: Queryable, accountId: string, specialUse: string): Promise<MailboxRow | null> {
    const { rows } = await q.query<MailboxRow>(
      `SELECT ${MAILBOX_COLUMNS} FROM mail.mailboxes WHERE account_id = $1 AND special_use = $2 ORDER BY name LIMIT 1`,
      [accountId, specialUse],
    );
    return rows[0] ?? null;
  }

  async byId(q: Queryable, accountId: string, id: string, lock = false): Promise<MailboxRow | null> {
    const { rows } = await q.query<MailboxRow>(
      `SELECT ${MAILBOX_COLUMNS} FROM mail.mailboxes WHERE id = $1 AND account_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [id, accountId],
    );
    return rows[0] ?? null;
  }

  /** Locks several mailboxes in a fixed (id) order, so two COPYs in opposite directions cannot deadlock. */
  async lockMany(q: Queryable, accountIds: string[], ids: string[]): Promise<MailboxRow[]> {
    const { rows } = await q.query<MailboxRow>(
      `SELECT ${MAILBOX_COLUMNS} FROM mail.mailboxes WHERE id = ANY($1::uuid[]) AND account_id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
      [ids, accountIds],
    );
    return rows;
  }

  async list(q: Queryable, accountId: string): Promise<MailboxRow[]> {
    const { rows } = await q.query<MailboxRow>(
      `SELECT ${MAILBOX_COLUMNS} FROM mail.mailboxes WHERE account_id = $1 ORDER BY name <> 'INBOX', name`,
      [accountId],
    );
    return rows;
  }

  /** Null when the name exists already. */
  async create(q: Queryable, accountId: string, name: string, specialUse: string | null, subscribe = true): Promise<MailboxRow | null> {
    if (subscribe) await this.setSubscribed(q, accountId, name, true);
    const { rows } = await q.query<MailboxRow>(
      `INSERT INTO mail.mailboxes (id, account_id, name, special_use) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, name) DO NOTHING RETURNING ${MAILBOX_COLUMNS}`,
      [randomUUID(), accountId, name, specialUse],
    );
    return rows[0] ?? null;
  }

  async hasChildren(q: Queryable, accountId: string, name: string): Promise<boolean> {
    const { rows } = await q.query(`SELECT 1 FROM mail.mailboxes WHERE account_id = $1 AND name LIKE $2 LIMIT 1`, [accountId, childrenPattern(name)]);
    return rows.length > 0;
  }

  /**
   * Renames a mailbox and all its inferiors; returns the renamed rows. Their subscriptions move with
   * them (as Dovecot's do): the client asked for the mailbox under its new name, and a subscription
   * left on the old name would show a mailbox that no longer exists there.
   */
  async renameTree(q: Queryable, accountId: string, from: string, to: string): Promise<MailboxRow[]> {
    const params = [accountId, from, childrenPattern(from), to, [...from].length + 1];
    await q.query(
      `UPDATE mail.subscriptions SET name = $4 || substr(name, $5)
       WHERE account_id = $1 AND (name = $2 OR name LIKE $3)
         AND name IN (SELECT name FROM mail.mailboxes WHERE account_id = $1 AND (name = $2 OR name LIKE $3))
         AND NOT EXISTS (SELECT 1 FROM mail.subscriptions t WHERE t.account_id = $1 AND t.name = $4 || substr(mail.subscriptions.name, $5))`,
      params,
    );
    const { rows } = await q.query<MailboxRow>(
      `UPDATE mail.mailboxes SET name = $4 || substr(name, $5)
       WHERE account_id = $1 AND (name = $2 OR name LIKE $3)
       RETURNING ${MAILBOX_COLUMNS}`,
      params,
    );
    return rows;
  }

  async delete(q: Queryable, id: string): Promise<void> {
    await q.query('DELETE FROM mail.mailboxes WHERE id = $1', [id]);
  }

  /** Adds or removes a name on the account's subscription list, whether a mailbox has that name or not. */
  async setSubscribed(q: Queryable, accountId: string, name: string, subscribed: boolean): Promise<void> {
    if (subscribed) await q.query('INSERT INTO mail.subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [accountId, name]);
    else await q.query('DELETE FROM mail.subscriptions WHERE account_id = $1 AND name = $2', [accountId, name]);
  }

  /** Every name the account subscribed to, mailbox or not. */
  async subscriptions(q: Queryable, accountId: string): Promise<string[]> {
    const { rows } = await q.query<{ name: string }>('SELECT name FROM mail.subscriptions WHERE account_id = $1 ORDER BY name', [accountId]);
    return rows.map((r) => r.name);
  }

  /**
   * Claims every UID up to uid_next - 1 that no session claimed yet: the returned range is this
   * caller's alone. The row lock serialises claimers; a second one waiting on it re-reads the row
   * after the first committed and finds nothing left.
   */
  async claimRecent(q: Queryable, accountId: string, id: string): Promise<{ after: number; upTo: number }> {
    const { rows } = await q.query<{ after: number; up_to: number }>(
      `WITH o AS (SELECT recent_uid FROM mail.mailboxes WHERE id = $1 AND account_id = $2 FOR UPDATE)
       UPDATE mail.mailboxes m SET recent_uid = GREATEST(m.recent_uid, m.uid_next - 1)
       FROM o WHERE m.id = $1
       RETURNING o.recent_uid AS after, m.recent_uid AS up_to`,
      [id, accountId],
    );
    const r = rows[0];
    return r ? { after: Number(r.after), upTo: Number(r.up_to) } : { after: 0, upTo: 0 };
  }

  /**
   * The mailbox's state row and a \Recent claim in ONE statement (an IMAP4rev1 session's refresh
   * after an arrival in IDLE: ADR 0034): the claim locks the row only when something is left to
   * claim, exactly as `claimRecent` does (a concurrent claimer that committed first leaves nothing
   * when the lock is re-checked); the row is the statement's snapshot, as a read before the claim
   * would be; its state columns only (no `subscribed`). Null when the mailbox is not the account's.
   */
  async stateAndClaim(q: Queryable, accountId: string, id: string): Promise<StateAndClaim | null> {
    return (await this.stateAndClaimMany(q, [{ accountId, mailboxId: id }]))[0];
  }

  /**
   * `stateAndClaim` for several sessions' claims in one statement (ADR 0071: the IDLE sessions an
   * append batch woke claim together), one answer per item in order. Two items for the same mailbox
   * are one claimer in SQL: the first gets the range, the later ones the empty range at the new
   * watermark, as a second claimer waiting on the row lock would. Rows are locked in id order, so
   * two batches on PostgreSQL cannot deadlock on each other.
   */
  async stateAndClaimMany(q: Queryable, items: Array<{ accountId: string; mailboxId: string }>): Promise<Array<StateAndClaim | null>> {
    const keyOf = (i: { accountId: string; mailboxId: string }) => `${i.mailboxId}/${i.accountId}`;
    const unique = [...new Map(items.map((i) => [keyOf(i), i])).values()];
    const { rows } = await q.query<MailboxRow & { claim_after: number | null; claim_up_to: number | null }>(
      `WITH t AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS t(id, account_id)),
       c AS (
         UPDATE mail.mailboxes m SET recent_uid = GREATEST(m.recent_uid, m.uid_next - 1)
         FROM (SELECT b.id, b.recent_uid FROM mail.mailboxes b JOIN t ON b.id = t.id AND b.account_id = t.account_id
               WHERE b.recent_uid < b.uid_next - 1 ORDER BY b.id FOR UPDATE OF b) o
         WHERE m.id = o.id
         RETURNING m.id, o.recent_uid AS after, m.recent_uid AS up_to)
       SELECT s.*, c.after AS claim_after, c.up_to AS claim_up_to
       FROM t JOIN LATERAL (SELECT ${MAILBOX_STATE_COLUMNS} FROM mail.mailboxes WHERE id = t.id AND account_id = t.account_id) s ON true
       LEFT JOIN c ON c.id = s.id`,
      [unique.map((i) => i.mailboxId), unique.map((i) => i.accountId)],
    );
    const found = new Map(rows.map((r) => [`${r.id}/${r.account_id}`, r]));
    const answered = new Set<string>();
    return items.map((i) => {
      const r = found.get(keyOf(i));
      if (!r) return null;
      const first = !answered.has(keyOf(i));
      answered.add(keyOf(i));
      // nothing claimed (or claimed by an earlier item): the empty range at the watermark now
      const recent = r.claim_after === null ? { after: Number(r.recent_uid), upTo: Number(r.recent_uid) } : first ? { after: Number(r.claim_after), upTo: Number(r.claim_up_to) } : { after: Number(r.claim_up_to), upTo: Number(r.claim_up_to) };
      return { row: r, recent };
    });
  }

  /** Messages above each mailbox's recent watermark (STATUS RECENT), by mailbox id; absent ones have none. */
  async unclaimedCounts(q: Queryable, accountId: string, ids: string[]): Promise<Map<string, number>> {
    const { rows } = await q.query<{ id: string; n: number }>(
      `SELECT b.id, count(*)::int AS n FROM mail.mailboxes b JOIN mail.messages x ON x.mailbox_id = b.id AND x.uid > b.recent_uid
       WHERE b.account_id = $1 AND b.id = ANY($2::uuid[]) AND b.recent_uid < b.uid_next - 1
       GROUP BY b.id`,
      [accountId, ids],
    );
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  /** Bytes and messages held by the account (its mailboxes' kept counters) and its own quota (null: the default applies). */
  async usage(q: Queryable, accountId: string): Promise<{ used: number; messages: number; quota: number | null }> {
    const { rows } = await q.query<{ used: number; messages: number; quota: number | null }>(
      `SELECT u.used, u.messages, (SELECT quota_bytes FROM mail.accounts WHERE account_id = $1) AS quota
       FROM (SELECT coalesce(sum(size_bytes), 0)::bigint AS used, coalesce(sum(message_count), 0)::bigint AS messages
             FROM mail.mailboxes WHERE account_id = $1) u`,
      [accountId],
    );
    return { used: Number(rows[0]?.used ?? 0), messages: Number(rows[0]?.messages ?? 0), quota: rows[0]?.quota == null ? null : Number(rows[0].quota) };
  }

  /** What each account holds across its mailboxes (kept counters, not row counts); unseen accounts hold nothing. */
  async usages(q: Queryable, accountIds: string[]): Promise<Array<{ accountId: string; bytes: number; messages: number }>> {
    const { rows } = await q.query<{ account_id: string; bytes: number | string; messages: number | string }>(
      `SELECT t.account_id, coalesce(sum(m.size_bytes), 0)::bigint AS bytes, coalesce(sum(m.message_count), 0)::bigint AS messages
       FROM unnest($1::uuid[]) AS t(account_id) LEFT JOIN mail.mailboxes m ON m.account_id = t.account_id
       GROUP BY t.account_id`,
      [[...new Set(accountIds)]],
    );
    return rows.map((r) => ({ accountId: r.account_id, bytes: Number(r.bytes), messages: Number(r.messages) }));
  }

  /** Applies the counter deltas of one change and, when given, its new modseq. */
  async applyDelta(
    q: Queryable,
    id: string,
    d: { messages?: number; unseen?: number; bytes?: number; uidNext?: number; modseq?: number },
  ): Promise<void> {
    await q.query(
      `UPDATE mail.mailboxes SET
         message_count = message_count + $2,
         unseen_count = unseen_count + $3,
         size_bytes = size_bytes + $4,
         uid_next = GREATEST(uid_next, $5),
         highest_modseq = GREATEST(highest_modseq, $6)
       WHERE id = $1`,
      [id, d.messages ?? 0, d.unseen ?? 0, d.bytes ?? 0, d.uidNext ?? 0, d.modseq ?? 0],
    );
  }

  async deleteAccount(q: Queryable, accountId: string): Promise<void> {
    // its grants on other accounts' mailboxes (its own mailboxes' entries go with them)
    await q.query('DELETE FROM mail.acl WHERE grantee_id = $1', [accountId]);
    await q.query('DELETE FROM mail.append_results WHERE account_id = $1', [accountId]);
    await q.query('DELETE FROM mail.thread_keys WHERE account_id = $1', [accountId]);
    await q.query('DELETE FROM mail.metadata_private WHERE user_id = $1', [accountId]);
    await q.query('DELETE FROM mail.accounts WHERE account_id = $1', [accountId]);
  }
}
