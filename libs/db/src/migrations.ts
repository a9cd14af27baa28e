import type { Database } from './database.port.js';

export interface Migration {
  /** sortable and never renamed once released, e.g. "001-directory" */
  id: string;
  sql: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Brings `schema` up to date. Runs in one transaction under an advisory lock, so replicas starting
 * together apply each migration exactly once and nobody sees a half-migrated schema.
 */
export async function runMigrations(db: Database, schema: string, migrations: readonly Migration[]): Promise<string[]> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrations:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ id: string }>(`SELECT id FROM ${schema}.schema_migrations`);
    const applied = new Set(rows.map((r) => r.id));
    const ran: string[] = [];
    for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (applied.has(m.id)) continue;
      await tx.query(m.sql);
      await tx.query(`INSERT INTO ${schema}.schema_migrations (id) VALUES ($1)`, [m.id]);
      ran.push(m.id);
    }
    return ran;
  });
}
