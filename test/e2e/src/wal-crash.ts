import assert from 'node:assert/strict';
import { PgDatabase, type Database } from '@mail/db';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The WAL writer of a test's own PostgreSQL. The crash specs stop it (SIGSTOP) so that only the
 * statements under test flush the WAL, then kill it (SIGKILL): PostgreSQL treats a dead child as a
 * crash of the server, drops its shared memory (the WAL buffers not yet written) and recovers from
 * the WAL files.
 */
export async function walWriterPid(db: Database): Promise<number> {
  const { rows } = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'");
  assert.equal(rows.length, 1, 'the WAL writer runs');
  return rows[0].pid;
}

/** After the crash: the first connection that answers once recovery has finished. */
export async function reopenAfterCrash(url: string, max = 1): Promise<PgDatabase> {
  for (let i = 0; i < 300; i++) {
    const db = new PgDatabase(url, { max });
    try {
      await db.query('SELECT 1 FROM blob.inline LIMIT 1');
      return db;
    } catch {
      await db.close().catch(() => undefined);
      await sleep(100);
    }
  }
  throw new Error('PostgreSQL did not come back after the crash');
}
