import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore, InlineBlobStore, newBlobKey } from '@mail/blob';
import { InProcessBus } from '@mail/bus';
import { AppendMessage, ContractError, encodeCarriedIndex } from '@mail/contracts';
import { PgDatabase, runMigrations } from '@mail/db';
import { indexMessageBuffer } from '@mail/mime';
import { composeStoreAppends, mailMigrations } from '@mail/store';
import { startOwnPostgres, type OwnPostgres } from '@mail/testing';
import { reopenAfterCrash, walWriterPid } from './wal-crash.js';

/*
 * ADR 0063's open item and ADR 0073's remedy, on a real server and a real crash: IMAP APPEND in
 * access puts the body's row without its own WAL flush and leaves the flush to the append's
 * synchronous commit. If the server goes away between the two commits (here a crash and recovery;
 * a failover to a standby that never received the body's WAL is the same to the append), the
 * append runs on a server without the body. Without the check the append commits and the client
 * gets an OK for a message whose body is gone; with it (`bodyUnflushed`) the append statement does
 * not see the row, `flushPut` finds nothing, and the answer is UNAVAILABLE (NO [UNAVAILABLE]).
 *
 * As in body-flush-crash.spec: the WAL writer is stopped while the rows are written, so only the
 * statements under test flush anything, then killed, which PostgreSQL treats as a crash of the
 * server (shared memory, with the WAL buffers not yet written, dropped; recovery from the files).
 */

const skip = existsSync('/usr/lib/postgresql') ? undefined : 'needs PostgreSQL server binaries under /usr/lib/postgresql';
function message(subject: string): Buffer {
  return Buffer.from(`From: a@example.test\r\nTo: b@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.test>\r\n\r\n${subject}\r\n`);
}

describe('IMAP APPEND over a body committed without its flush, across a crash of PostgreSQL (ADR 0073)', { skip, timeout: 120_000 }, () => {
  let pg: OwnPostgres;
  let dir: string;
  const bus = new InProcessBus({ service: 'access' });
  const composed: Array<{ close(): Promise<void> }> = [];
  const dbs: PgDatabase[] = [];

  before(async () => {
    // nothing in the background may flush the WAL for the statements under test
    pg = await startOwnPostgres({ settings: { autovacuum: 'off', bgwriter_lru_maxpages: '0', checkpoint_timeout: '1h', wal_writer_delay: '10s' } });
    dir = await mkdtemp(join(tmpdir(), 'append-crash-'));
  });
  after(async () => {
    for (const c of composed) await c.close().catch(() => undefined);
    for (const db of dbs) await db.close().catch(() => undefined);
    await bus.close();
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers UNAVAILABLE for a body the crash lost, where the unchecked append commits a message without its body', async () => {
    const db = new PgDatabase(pg.adminUrl, { max: 2 });
    dbs.push(db);
    await runMigrations(db, 'mail', mailMigrations);
    const blobs = await InlineBlobStore.open(db, new FsBlobStore(dir));
    const before = await composeStoreAppends({ db, blobs, bus });
    composed.push(before);
    const accountId = randomUUID();
    /** an APPEND's body as access puts it: committed, its flush left to the append */
    const put = async (subject: string) => {
      const raw = message(subject);
      const blobKey = newBlobKey();
      assert.equal((await blobs.put(blobKey, raw, { flush: 'with-next-commit' })).deferred, true);
      return { accountId, blobKey, size: raw.length, index: encodeCarriedIndex(indexMessageBuffer(raw)) };
    };
    // the account and its INBOX, durable (a synchronous commit with the WAL writer still running)
    await before.appends.appendMessage(AppendMessage.request.parse(await put('first')));

    const walWriter = await walWriterPid(db);
    process.kill(walWriter, 'SIGSTOP');
    let covered: string;
    let unchecked: string;
    let checked: string;
    try {
      // the common path: the append's commit flushes the WAL up to it, the body's row included
      const c = await put('covered by its append');
      covered = c.blobKey;
      assert.equal((await before.appends.appendMessage(AppendMessage.request.parse({ ...c, bodyUnflushed: true }))).uid, 2);
      // written after that flush: nothing flushes these two before the crash
      unchecked = (await put('appended without the check')).blobKey;
      checked = (await put('appended with the check')).blobKey;
      assert.equal((await db.query('SELECT key FROM blob.inline')).rows.length, 4, 'all committed and visible before the crash');
    } finally {
      process.kill(walWriter, 'SIGKILL');
    }

    // the append's statement reaches the server after the crash (a failover's promoted standby alike)
    const afterDb = await reopenAfterCrash(pg.adminUrl, 2);
    dbs.push(afterDb);
    const afterBlobs = await InlineBlobStore.open(afterDb, new FsBlobStore(dir));
    const later = await composeStoreAppends({ db: afterDb, blobs: afterBlobs, bus });
    composed.push(later);
    const keys = async () => new Set((await afterDb.query<{ key: string }>('SELECT key FROM blob.inline')).rows.map((r) => r.key));
    const held = await keys();
    assert.equal(held.has(covered), true, "the append's commit made its body durable");
    assert.equal(held.has(unchecked) || held.has(checked), false, 'the crash lost what nothing flushed (else this test proves nothing)');

    const request = (blobKey: string, subject: string) => {
      const raw = message(subject);
      return { accountId, blobKey, size: raw.length, index: encodeCarriedIndex(indexMessageBuffer(raw)) };
    };
    // ADR 0063 as it was: nothing asks whether the body survived, and the client would get its OK
    const blind = await later.appends.appendMessage(AppendMessage.request.parse(request(unchecked, 'appended without the check')));
    assert.equal(blind.uid, 3, 'without the check the append commits');
    assert.equal(await afterBlobs.stat(unchecked), null, '... a message whose body is gone (the window ADR 0073 closes)');

    await assert.rejects(
      later.appends.appendMessage(AppendMessage.request.parse({ ...request(checked, 'appended with the check'), bodyUnflushed: true })),
      (err: unknown) => err instanceof ContractError && err.code === 'UNAVAILABLE',
    );
    const { rows } = await afterDb.query<{ uid: number; blob_key: string }>('SELECT uid, blob_key FROM mail.messages ORDER BY uid');
    assert.deepEqual(
      rows.map((r) => [Number(r.uid), r.blob_key]),
      rows.filter((r) => r.blob_key !== checked).map((r) => [Number(r.uid), r.blob_key]),
      'no message refers to the body the check found gone',
    );
    assert.equal(rows.length, 3);
  });
});
