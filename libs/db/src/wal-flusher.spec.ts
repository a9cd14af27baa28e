import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDatabase } from './pglite-database.js';
import { WalFlusher } from './wal-flusher.js';

describe('PGlite commits made durable (ADR 0062)', () => {
  it('a write on disk waits for an fdatasync of its WAL, concurrent commits share one, a read waits for none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-flusher-'));
    const db = await PgliteDatabase.open(dir);
    try {
      const wal = db.wal!;
      assert.ok(wal, 'a database on disk has a flusher');
      await db.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
      let rounds = wal.rounds;
      for (let i = 0; i < 5; i++) await db.query('INSERT INTO t VALUES ($1, $2)', [i, 'x']);
      assert.equal(wal.rounds - rounds, 5, 'one round per commit, one after the other');
      rounds = wal.rounds;
      await db.transaction(async (tx) => {
        for (let i = 5; i < 10; i++) await tx.query('INSERT INTO t VALUES ($1, $2)', [i, 'y']);
      });
      assert.equal(wal.rounds - rounds, 1, 'a transaction: one round, after its commit');
      rounds = wal.rounds;
      await Promise.all(Array.from({ length: 40 }, (_, i) => db.query('INSERT INTO t VALUES ($1, $2)', [100 + i, 'z'])));
      assert.ok(wal.rounds - rounds <= 3, `40 concurrent commits: ${wal.rounds - rounds} rounds`);
      rounds = wal.rounds;
      for (let i = 0; i < 5; i++) assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n, 50);
      assert.equal(wal.rounds, rounds, 'reads flush nothing');
      await assert.rejects(db.query('INSERT INTO t VALUES (1, $1)', ['dup']), /duplicate key/);
      // into the next WAL segments (PostgreSQL writes a new one as xlogtemp.N, then renames it)
      for (let i = 0; i < 3; i++) {
        await db.query('SELECT pg_switch_wal()');
        await db.query('INSERT INTO t VALUES ($1, $2)', [1000 + i, 'next segment']);
      }
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an in-memory database has nothing to flush', async () => {
    const db = await PgliteDatabase.open();
    try {
      assert.equal(db.wal, undefined);
    } finally {
      await db.close();
    }
  });

  it('a flush that cannot reach the disk rejects its callers; a segment removed meanwhile needs nothing; the next one works again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-flusher-'));
    try {
      const flusher = new WalFlusher(join(dir, 'not-a-directory'));
      writeFileSync(join(dir, 'not-a-directory'), '');
      flusher.written(join(dir, 'not-a-directory', 'segment'));
      await assert.rejects(flusher.flush(), /ENOTDIR/);
      flusher.written(join(dir, 'removed-by-a-checkpoint'));
      await flusher.flush();
      const seg = join(dir, '000000010000000000000001');
      writeFileSync(seg, 'wal');
      flusher.written(seg);
      await flusher.flush();
      assert.equal(flusher.rounds, 3);
      // nothing written since: no round, nothing to wait for
      await flusher.flush();
      assert.equal(flusher.rounds, 3);
      await flusher.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
