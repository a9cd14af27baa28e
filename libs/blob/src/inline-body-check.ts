import type { Database } from '@mail/db';

/**
 * For another library's statement that must not commit an acknowledgement of a body the server
 * might still lose (ADR 0067): true when the inline body row `keyExpr` names is visible to the
 * statement. A row visible to a transaction was committed before it, so its commit record precedes
 * that transaction's commit record in the server's WAL, and that commit's synchronous flush covers
 * it: on whichever server runs the statement, after any failover. False when the body is not a row
 * here (S3, another database, or lost): the caller flushes its own (`BlobStore.flushPut`).
 *
 * The blob schema stays this library's: callers splice this SQL, they do not write their own.
 * `keyExpr` is SQL of the caller's (a column or a parameter), never a value.
 */
export function inlineBodyVisible(keyExpr: string): string {
  return `EXISTS (SELECT 1 FROM blob.inline WHERE key = ${keyExpr})`;
}

/**
 * For another library's statement that writes a body it holds (a put with `flush: 'by-caller'`,
 * ADR 0073): the body's row, as a data-modifying statement to run as a CTE of the caller's
 * statement, so that the row commits with what refers to it (one round trip and one commit
 * instead of two). `when`: an SQL condition (e.g. that the caller's own write happened), so that
 * nothing is left behind when the caller writes nothing. A put replaces the blob, as
 * `InlineBlobStore.put` does. `keyExpr` and `bytesExpr` are SQL of the caller's, never values.
 */
export function inlineBodyInsert(keyExpr: string, bytesExpr: string, when = 'true'): string {
  return `INSERT INTO blob.inline (key, bytes) SELECT ${keyExpr}, ${bytesExpr} WHERE ${when}
         ON CONFLICT (key) DO UPDATE SET bytes = EXCLUDED.bytes, created_at = now()`;
}

/**
 * Whether `db` has the table `inlineBodyVisible` reads: a statement naming it fails where the blob
 * schema was never created (a database that holds the queue alone).
 */
export async function holdsInlineBodies(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>("SELECT to_regclass('blob.inline') IS NOT NULL AS present");
  return rows[0]?.present === true;
}
