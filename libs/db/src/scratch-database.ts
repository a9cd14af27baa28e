import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from './database.port.js';
import { PgDatabase } from './pg-database.js';
import { PgliteDatabase } from './pglite-database.js';

export interface ScratchDatabase {
  db: Database;
  /** closes the database and, on PostgreSQL, drops it */
  drop(): Promise<void>;
}

/** An empty in-memory PGlite, for specs. */
export async function scratchPglite(): Promise<ScratchDatabase> {
  const db = await PgliteDatabase.open();
  return { db, drop: () => db.close() };
}

/**
 * A fresh database on the PostgreSQL server `adminUrl` points to (TEST_DATABASE_URL), dropped
 * afterwards: specs sharing a server never meet.
 */
export async function scratchPostgres(adminUrl: string, prefix = 'spec'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new PgDatabase(url.toString());
  return {
    db,
    drop: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
