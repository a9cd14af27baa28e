import type { Database } from './database.port.js';

/**
 * Which write-ahead log a database writes to (ADR 0061): the PostgreSQL cluster's system identifier
 * (a primary and its physical standbys share it; writes go to the primary). Two connections that
 * answer the same identity commit into one WAL, so a synchronous commit on one of them flushes
 * every commit the other made before it. Undefined for PGlite (one process, nothing to share) and
 * when the server does not tell; a caller then assumes nothing.
 */
export async function walIdentity(db: Database): Promise<string | undefined> {
  if (db.kind !== 'postgres') return undefined;
  try {
    const { rows } = await db.query<{ id: string | null }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    return rows[0]?.id ? `pg:${rows[0].id}` : undefined;
  } catch {
    return undefined;
  }
}
