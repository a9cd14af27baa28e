import type { Queryable } from '@mail/db';
import { escapeLike } from './mailbox-name.js';

/** SQL over mail.metadata; `mailboxId` null is the server's (the account's own) annotations. */
export class MetadataRepository {
  /** The entries named and, with depth 1 or infinity, those below them, by entry name. */
  async get(q: Queryable, accountId: string, mailboxId: string | null, entries: string[], depth: '0' | '1' | 'infinity'): Promise<Array<[string, string]>> {
    const below = entries.map((e) => `${escapeLike(e)}/%`);
    const { rows } = await q.query<{ entry: string; value: string }>(
      `SELECT entry, value FROM mail.metadata
       WHERE account_id = $1 AND mailbox_id IS NOT DISTINCT FROM $2::uuid
         AND (entry = ANY($3::text[])
              OR ($5 <> '0' AND EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) t(e, p) WHERE entry LIKE t.p
                   AND ($5 = 'infinity' OR position('/' IN substr(entry, length(t.e) + 2)) = 0))))
       ORDER BY entry`,
      [accountId, mailboxId, entries, below, depth],
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

  async remove(q: Queryable, accountId: string, mailboxId: string | null, entry: string): Promise<void> {
    await q.query('DELETE FROM mail.metadata WHERE account_id = $1 AND mailbox_id IS NOT DISTINCT FROM $2::uuid AND entry = $3', [accountId, mailboxId, entry]);
  }

  async count(q: Queryable, accountId: string, mailboxId: string | null): Promise<number> {
    const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM mail.metadata WHERE account_id = $1 AND mailbox_id IS NOT DISTINCT FROM $2::uuid', [accountId, mailboxId]);
    return Number(rows[0]?.n ?? 0);
  }
}
