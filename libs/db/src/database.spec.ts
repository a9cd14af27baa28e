import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Database } from './database.port.js';
import { runMigrations } from './migrations.js';
import { PgDatabase } from './pg-database.js';
import { PgliteDatabase } from './pglite-database.js';
import { PgliteThreadDatabase } from './pglite-thread-database.js';
import { installedPgliteVersion, pgliteTemplateFor, templatePgliteVersion } from './pglite-template.js';

const migrations = [
  { id: '001-things', sql: 'CREATE TABLE t.things (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, n bigint NOT NULL DEFAULT 0);' },
  { id: '002-index', sql: 'CREATE INDEX things_n ON t.things (n); CREATE TABLE t.jobs (id int PRIMARY KEY, taken boolean NOT NULL DEFAULT false);' },
];

function databaseContract(name: string, open: () => Promise<Database>) {
  describe(`database contract: ${name}`, () => {
    let db: Database;
    after(async () => db?.close());

    it('migrates once, even when asked twice', async () => {
      db = await open();
      assert.deepEqual(await runMigrations(db, 't', migrations), ['001-things', '002-index']);
      assert.deepEqual(await runMigrations(db, 't', migrations), []);
      await assert.rejects(runMigrations(db, 'bad-name; drop', migrations));
    });

    it('returns bigint as number and counts affected rows', async () => {
      await db.query('INSERT INTO t.things (name, n) VALUES ($1, $2), ($3, $4)', ['a', 9007199254740991, 'b', 2]);
      const { rows } = await db.query<{ n: number }>('SELECT n FROM t.things ORDER BY name');
      assert.deepEqual(rows.map((r) => r.n), [9007199254740991, 2]);
      const upd = await db.query('UPDATE t.things SET n = n + 1 WHERE name = $1', ['b']);
      assert.equal(upd.rowCount, 1);
    });

    it('rolls a failed transaction back', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t.things (name) VALUES ($1)', ['c']);
          await tx.query('INSERT INTO t.things (name) VALUES ($1)', ['c']); // unique violation
        }),
      );
      const { rows } = await db.query('SELECT 1 FROM t.things WHERE name = $1', ['c']);
      assert.equal(rows.length, 0);
    });

    it('supports FOR UPDATE SKIP LOCKED (the queue relies on it)', async () => {
      await db.query('INSERT INTO t.jobs (id) SELECT g FROM generate_series(1, 5) g');
      const claimed = await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: number }>('SELECT id FROM t.jobs WHERE NOT taken ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED');
        await tx.query('UPDATE t.jobs SET taken = true WHERE id = ANY($1::int[])', [rows.map((r) => r.id)]);
        return rows.map((r) => r.id);
      });
      assert.deepEqual(claimed, [1, 2]);
    });

    it('runs a repeated statement as a prepared one, unless it is to be planned per call', async () => {
      const cached = 'SELECT count(*)::int AS n FROM t.things WHERE n >= $1';
      const perCall = 'SELECT count(*)::int AS n FROM t.things WHERE n > $1';
      const prepared = await db.transaction(async (tx) => {
        await tx.query(cached, [0]);
        await tx.query(perCall, [0], { plan: 'per-call' });
        const { rows } = await tx.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
        return rows.map((r) => r.statement);
      });
      assert.equal((await db.query<{ n: number }>(perCall, [0], { plan: 'per-call' })).rows[0].n, 2);
      assert.ok(prepared.includes(cached));
      assert.ok(!prepared.includes(perCall));
    });

    it('answers a prepared statement again after a failed call, with the error as PostgreSQL gave it', async () => {
      const insert = 'INSERT INTO t.things (name, n) VALUES ($1, $2) RETURNING id';
      const first = await db.query<{ id: number }>(insert, ['p', 1]);
      await assert.rejects(db.query(insert, ['p', 2]), (err: { code?: string }) => err.code === '23505');
      const again = await db.query<{ id: number }>(insert, ['q', 3]);
      assert.ok(again.rows[0].id > first.rows[0].id);
      assert.equal(again.rowCount, 1);
      const { rows } = await db.query<{ names: string[]; at: Date }>('SELECT array_agg(name ORDER BY name) AS names, now() AS at FROM t.things WHERE name = ANY($1::text[])', [['p', 'q']]);
      assert.deepEqual(rows[0].names, ['p', 'q']);
      assert.ok(rows[0].at instanceof Date);
    });

    // PGlite only: in the embedded process every module shares its one connection, and a module's
    // migrations run in its onModuleInit while others already run their statements
    it('prepares a statement again when a table changed the columns it answers', { skip: !name.startsWith('PGlite') }, async () => {
      const all = 'SELECT * FROM t.things WHERE name = $1';
      assert.deepEqual(Object.keys((await db.query(all, ['p'])).rows[0]), ['id', 'name', 'n']);
      await db.query('ALTER TABLE t.things ADD COLUMN note text');
      assert.deepEqual(Object.keys((await db.query(all, ['p'])).rows[0]), ['id', 'name', 'n', 'note']);
      await db.transaction(async (tx) => assert.equal((await tx.query(all, ['q'])).rows.length, 1));
    });
  });
}

databaseContract('PGlite', () => PgliteDatabase.open());
databaseContract('PGlite on a thread (ADR 0082)', () => PgliteThreadDatabase.open());

describe('PGlite start (ADR 0042)', () => {
  it('has a committed initdb template made by the installed PGlite (run scripts/pglite-template.mjs after an upgrade)', async () => {
    assert.equal(templatePgliteVersion(), installedPgliteVersion());
    assert.ok(await pgliteTemplateFor(undefined), 'the template loads');
  });

  it('runs with the embedded settings', async () => {
    const db = await PgliteDatabase.open();
    try {
      const { rows } = await db.query<{ setting: string; unit: string }>("SELECT setting, unit FROM pg_settings WHERE name = 'shared_buffers'");
      assert.deepEqual(rows, [{ setting: '512', unit: '8kB' }]);
    } finally {
      await db.close();
    }
  });
});

describe('PGlite on disk', () => {
  it('creates a data directory whose parents do not exist yet, and keeps data across reopening', async () => {
    const base = await mkdtemp(join(tmpdir(), 'pglite-'));
    const dir = join(base, 'not', 'yet', 'there');
    try {
      let db = await PgliteDatabase.open(dir);
      await db.query('CREATE TABLE kept (v text)');
      await db.query('INSERT INTO kept VALUES ($1)', ['survives']);
      await db.close();
      db = await PgliteDatabase.open(dir);
      const { rows } = await db.query<{ v: string }>('SELECT v FROM kept');
      assert.deepEqual(rows, [{ v: 'survives' }]);
      await db.close();
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) {
  const name = `db_test_${Date.now().toString(36)}_${process.pid}`;
  databaseContract('PostgreSQL', async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return new PgDatabase(url.toString());
  });
  after(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
}
