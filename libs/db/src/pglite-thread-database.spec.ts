import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PgliteDatabase } from './pglite-database.js';
import { PgliteThreadDatabase } from './pglite-thread-database.js';

describe('PGlite on a thread of its own (ADR 0082)', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('carries bytes, dates and arrays across the thread, and PostgreSQL errors with their fields', async () => {
    const db = await PgliteThreadDatabase.open();
    try {
      await db.query('CREATE TABLE b (id int PRIMARY KEY, body bytea NOT NULL, at timestamptz NOT NULL, tags text[] NOT NULL)');
      const body = Buffer.from([0, 1, 2, 250, 13, 10]);
      const at = new Date('2026-12-08T00:00:00.123Z');
      await db.query('INSERT INTO b VALUES ($1, $2, $3, $4)', [1, body, at, ['a', 'b,c']]);
      const { rows } = await db.query<{ body: Uint8Array; at: Date; tags: string[] }>('SELECT body, at, tags FROM b WHERE id = $1', [1]);
      assert.deepEqual(Buffer.from(rows[0].body), body);
      assert.equal(rows[0].at.getTime(), at.getTime());
      assert.deepEqual(rows[0].tags, ['a', 'b,c']);
      await assert.rejects(db.query('INSERT INTO b VALUES ($1, $2, $3, $4)', [1, body, at, []]), (err: Error & { code?: string; constraint?: string }) => {
        assert.equal(err.code, '23505');
        assert.equal(err.constraint, 'b_pkey');
        assert.match(err.message, /duplicate key/);
        return true;
      });
    } finally {
      await db.close();
    }
  });

  it('keeps a transaction open in the thread while the caller works, apart from other statements, and rolls back when the caller throws', async () => {
    const db = await PgliteThreadDatabase.open();
    try {
      await db.query('CREATE TABLE n (id int PRIMARY KEY)');
      let inside!: () => void;
      const entered = new Promise<void>((r) => (inside = r));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const tx = db.transaction(async (t) => {
        await t.query('INSERT INTO n VALUES ($1)', [1]);
        inside();
        await held;
        await t.query('INSERT INTO n VALUES ($1)', [2]);
        return 'done';
      });
      await entered;
      // PGlite has one connection: a statement from outside waits for the transaction, and then sees all of it
      const outside = db.query<{ c: number }>('SELECT count(*)::int AS c FROM n');
      release();
      assert.equal(await tx, 'done');
      assert.equal((await outside).rows[0].c, 2);

      const mine = new Error('the caller changed its mind');
      await assert.rejects(
        db.transaction(async (t) => {
          await t.query('INSERT INTO n VALUES ($1)', [3]);
          throw mine;
        }),
        (err) => err === mine,
      );
      assert.equal((await db.query<{ c: number }>('SELECT count(*)::int AS c FROM n')).rows[0].c, 2);
      // a failed COMMIT is the caller's error: a deferred constraint checked at the end
      await db.query('CREATE TABLE d (id int, CONSTRAINT d_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)');
      await assert.rejects(
        db.transaction(async (t) => {
          await t.query('INSERT INTO d VALUES ($1), ($1)', [7]);
        }),
        (err: Error & { code?: string }) => err.code === '23505',
      );
      assert.equal((await db.query<{ c: number }>('SELECT count(*)::int AS c FROM d')).rows[0].c, 0);
    } finally {
      await db.close();
    }
  });

  it('tells its owner once when the thread dies, fails every statement after, and tells nothing on close()', async () => {
    const lost: Error[] = [];
    const db = await PgliteThreadDatabase.open(undefined, { onLost: (err) => lost.push(err) });
    await db.query('SELECT 1');
    await (db as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lost.length, 1);
    assert.match(lost[0].message, /exited/);
    await assert.rejects(db.query('SELECT 1'), /exited/);
    const closed: Error[] = [];
    const other = await PgliteThreadDatabase.open(undefined, { onLost: (err) => closed.push(err) });
    await other.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed.length, 0);
  });

  it('keeps what it committed on disk across closing and opening again, and refuses statements once closed', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pglite-thread-')), 'pglite');
    dirs.push(dirname(dir));
    let db = await PgliteThreadDatabase.open(dir);
    await db.query('CREATE TABLE k (v text)');
    await db.transaction(async (t) => t.query('INSERT INTO k VALUES ($1)', ['kept']));
    await db.close();
    await assert.rejects(db.query('SELECT 1'));
    db = await PgliteThreadDatabase.open(dir);
    try {
      assert.deepEqual((await db.query<{ v: string }>('SELECT v FROM k')).rows, [{ v: 'kept' }]);
    } finally {
      await db.close();
    }
  });
});


describe('PGlite on a thread: a killed process', () => {
  it('keeps every commit it answered (the answer comes after the commit and its WAL flush, in the thread)', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pglite-thread-kill-')), 'pglite');
    try {
      // a child process commits rows four at a time and prints each id once its commit is answered
      const child = spawn(
        process.execPath,
        [
          '-e',
          `const { PgliteThreadDatabase } = require(${JSON.stringify(join(__dirname, 'pglite-thread-database.js'))});
          (async () => {
            const db = await PgliteThreadDatabase.open(${JSON.stringify(dir)});
            await db.query('CREATE TABLE k (id int PRIMARY KEY)');
            process.stdout.write('ready\\n');
            let next = 0;
            const one = async () => { for (;;) { const id = next++; await db.query('INSERT INTO k VALUES ($1)', [id]); process.stdout.write(id + '\\n'); } };
            await Promise.all([one(), one(), one(), one()]);
          })();`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const answered: number[] = [];
      let text = '';
      await new Promise<void>((resolve, reject) => {
        child.on('exit', (code) => reject(new Error(`the child exited (${code}) before it was killed`)));
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const lines = text.split('\n');
          text = lines.pop() ?? '';
          for (const l of lines) if (/^\d+$/.test(l)) answered.push(Number(l));
          if (answered.length >= 60) resolve();
        });
      });
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const db = await PgliteDatabase.open(dir);
      try {
        const { rows } = await db.query<{ id: number }>('SELECT id FROM k');
        const kept = new Set(rows.map((r) => r.id));
        assert.deepEqual(answered.filter((id) => !kept.has(id)), [], 'answered but not kept');
      } finally {
        await db.close();
      }
    } finally {
      await rm(dirname(dir), { recursive: true, force: true });
    }
  });
});
