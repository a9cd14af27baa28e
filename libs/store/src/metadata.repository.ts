import type { Queryable } from '@mail/db';
import { escapeLike } from './mailbox-name.js';

/** Whose rows: an account's own (the server's with `mailboxId` null) in mail.metadata, or a user's private ones on a shared mailbox in mail.metadata_private (ADR 0072). */
type Scope = { table: 'mail.metadata'; key: 'account_id' } | { table: 'mail.metadata_private'; key: 'user_id' };
const OWN: Scope = { table: 'mail.metadata', key: 'account_id' };
const GRANTEE: Scope = { table: 'mail.metadata_private', key: 'user_id' };

/** SQL over mail.metadata; `mailboxId` null is the server's (the account's own) annotations. */
export class MetadataRepository {
  /** The entries named and, with depth 1 or infinity, those below them, by entry name. */
  get(q: Queryable, accountId: string, mailboxId: string | null, entries: string[], depth: '0' | '1' | 'infinity'): Promise<Array<[string, string]>> {
    return this.select(q, OWN, accountId, mailboxId, entries, depth);
  }

  /** A grantee's own /private entries on another account's mailbox (ADR 0072), as get(). */
  getPrivate(q: Queryable, userId: string, mailboxId: string, entries: string[], depth: '0' | '1' | 'infinity'): Promise<Array<[string, string]>> {
    return this.select(q, GRANTEE, userId, mailboxId, entries, depth);
  }

  private async select(q: Queryable, scope: Scope, id: string, mailboxId: string | null, entries: string[], depth: '0' | '1' | 'infinity'): Promise<Array<[string, string]>> {
    const below = entries.map((e) => `${escapeLike(e)}/%`);
    const { rows } = await q.query<{ entry: string; value: string }>(
      `SELECT entry, value FROM ${scope.table}
       WHERE ${scope.key} = $1 AND mailbox_id IS NOT DISTINCT FROM $2::uuid
         AND (entry = ANY($3::text[])
              OR ($5 <> '0' AND EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) t(e, p) WHERE entry LIKE t.p
                   AND ($5 = 'infinity' OR position('/' IN substr(entry, length(t.e) + 2)) = 0))))
       ORDER BY entry`,
      [id, mailboxId, entries, below, depth],
    );
    return rows.map((r) => [r.entry, r.value]);
  }

  async set(q: Queryable, accountId: string, mailboxId: string | null, entry: string, value: string): Promise<void> {
    const conflict = mailboxId === null ? '(account_id, entry) WHERE mailbox_id IS NULL' : '(mailbox_id, entry) WHERE mailbox_id IS NOT NULL';
    await q.query(
      `INSERT INTO mail.metadata (account_id, mailbox_id, entry, value) VALUES ($1, $2, $3, $4)
       ON CONFLICT ${conflict} DO UPDATE SET value = EXCLUDED.value`,
      [accountId, mailboxId, entry, value],
    );
  }

  async setPrivate(q: Queryable, userId: string, mailboxId: string, entry: string, value: string): Promise<void> {
    await q.query(
      `INSERT INTO mail.metadata_private (user_id, mailbox_id, entry, value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, mailbox_id, entry) DO UPDATE SET value = EXCLUDED.value`,
      [userId, mailboxId, entry, value],
    );
  }

  async remove(q: Queryable, accountId: string, mailboxId: string | null, entry: string, scope: Scope = OWN): Promise<void> {
    await q.query(`DELETE FROM ${scope.table} WHERE ${scope.key} = $1 AND mailbox_id IS NOT DISTINCT FROM $2::uuid AND entry = $3`, [accountId, mailboxId, entry]);
  }

  removePrivate(q: Queryable, userId: string, mailboxId: string, entry: string): Promise<void> {
    return this.remove(q, userId, mailboxId, entry, GRANTEE);
  }

  async count(q: Queryable, accountId: string, mailboxId: string | null, scope: Scope = OWN): Promise<number> {
    const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${scope.table} WHERE ${scope.key} = $1 AND mailbox_id IS NOT DISTINCT FROM $2::uuid`, [accountId, mailboxId]);
    return Number(rows[0]?.n ?? 0);
  }

  countPrivate(q: Queryable, userId: string, mailboxId: string): Promise<number> {
    return this.count(q, userId, mailboxId, GRANTEE);
  }
}
