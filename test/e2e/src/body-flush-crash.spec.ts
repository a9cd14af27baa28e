import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore, InlineBlobStore, newBlobKey } from '@mail/blob';
import { PgDatabase } from '@mail/db';
import { startOwnPostgres, type OwnPostgres } from '@mail/testing';
import { reopenAfterCrash, walWriterPid } from './wal-crash.js';

/*
 * ADR 0067, on a real server and a real crash: a body row committed without its own flush (what
 * smtp-in's puts do) is lost if the server crashes before anything flushes the WAL past it, and
 * `flushPut`, smtp-in's fallback when the queue commit did not see the row, is what makes it
 * durable. ADR 0061's fallback (`SELECT pg_current_xact_id()`) is shown to flush nothing.
 *
 * The WAL writer is stopped (SIGSTOP) while the rows are written, so only the statements under test
 * flush anything, then killed: PostgreSQL treats a dead child as a crash of the server, drops its
 * shared memory (the WAL buffers not yet written) and recovers from the WAL files. fsync is off on
 * this test server, so everything written survives a process crash in the page cache, and what was
 * never written does not.
 */

const skip = existsSync('/usr/lib/postgresql') ? undefined : 'needs PostgreSQL server binaries under /usr/lib/postgresql';

describe('a body committed without its flush, across a crash of PostgreSQL (ADR 0067)', { skip, timeout: 120_000 }, () => {
  let pg: OwnPostgres;
  let dir: string;

  before(async () => {
    // nothing in the background may flush the WAL for the statements under test
    pg = await startOwnPostgres({ settings: { autovacuum: 'off', bgwriter_lru_maxpages: '0', checkpoint_timeout: '1h', wal_writer_delay: '10s' } });
    dir = await mkdtemp(join(tmpdir(), 'body-crash-'));
  });
  after(async () => {
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps a deferred body flushPut answered for, and loses one nothing flushed', async () => {
    const db = new PgDatabase(pg.adminUrl, { max: 2 });
    const store = await InlineBlobStore.open(db, new FsBlobStore(dir));
    const walWriter = await walWriterPid(db);
    const [flushed, unflushed, oldFlush] = [newBlobKey(), newBlobKey(), newBlobKey()];
    process.kill(walWriter, 'SIGSTOP');
    try {
      assert.equal((await store.put(flushed, Buffer.from('flushed body'), { flush: 'with-next-commit' })).deferred, true);
      assert.equal(await store.flushPut(flushed), true);
      // written after that flush, so nothing flushes them
      assert.equal((await store.put(unflushed, Buffer.from('unflushed body'), { flush: 'with-next-commit' })).deferred, true);
      assert.equal((await store.put(oldFlush, Buffer.from('body of the old flush'), { flush: 'with-next-commit' })).deferred, true);
      await db.query('SELECT pg_current_xact_id()');
      assert.equal((await db.query('SELECT key FROM blob.inline')).rows.length, 3, 'all three committed and visible before the crash');
    } finally {
      process.kill(walWriter, 'SIGKILL');
    }
    await db.close().catch(() => undefined);

    const after = await reopenAfterCrash(pg.adminUrl);
    try {
      const { rows } = await after.query<{ key: string }>('SELECT key FROM blob.inline');
      const kept = new Set(rows.map((r) => r.key));
      assert.equal(kept.has(flushed), true, 'flushPut made its body durable');
      assert.equal(kept.has(unflushed), false, 'the crash lost what nothing flushed (else this test proves nothing)');
      assert.equal(kept.has(oldFlush), false, "ADR 0061's flush statement flushed nothing");
    } finally {
      await after.close();
    }
  });
});
