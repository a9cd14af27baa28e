import type { Queryable } from '@mail/db';

/** SQL over mail.message_indexes: one parsed index per blob, reference-counted by messages. */
export class IndexRepository {
  /** Drops the references every message of a mailbox holds (before the mailbox is deleted). */
  async releaseMailbox(q: Queryable, mailboxId: string): Promise<number[]> {
    const { rows } = await q.query<{ id: number; ref_count: number }>(
      `UPDATE mail.message_indexes x
       SET ref_count = x.ref_count - d.n,
           unreferenced_since = CASE WHEN x.ref_count - d.n <= 0 THEN now() ELSE x.unreferenced_since END
       FROM (SELECT index_id, count(*)::int AS n FROM mail.messages WHERE mailbox_id = $1 GROUP BY index_id) d
       WHERE x.id = d.index_id
       RETURNING x.id, x.ref_count`,
      [mailboxId],
    );
    return rows.filter((r) => Number(r.ref_count) <= 0).map((r) => Number(r.id));
  }

  /**
   * Deletes index rows among `ids` that nobody references and that are older than the grace period,
   * returning their blob keys (to delete after commit). Younger rows wait for the sweep: the blob
   * may still be on its way to other recipients.
   */
  async collect(q: Queryable, ids: number[], graceSeconds: number): Promise<string[]> {
    if (!ids.length) return [];
    const { rows } = await q.query<{ blob_key: string }>(
      `DELETE FROM mail.message_indexes
       WHERE id = ANY($1::bigint[]) AND ref_count <= 0 AND created_at <= now() - make_interval(secs => $2)
       RETURNING blob_key`,
      [ids, graceSeconds],
    );
    return rows.map((r) => r.blob_key);
  }

  /** One batch of the periodic sweep: unreferenced rows past the grace period. */
  async sweep(q: Queryable, graceSeconds: number, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ blob_key: string }>(
      `DELETE FROM mail.message_indexes WHERE id IN (
         SELECT id FROM mail.message_indexes
         WHERE ref_count <= 0 AND unreferenced_since <= now() - make_interval(secs => $1)
           AND created_at <= now() - make_interval(secs => $1)
         ORDER BY unreferenced_since LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING blob_key`,
      [graceSeconds, limit],
    );
    return rows.map((r) => r.blob_key);
  }
}
