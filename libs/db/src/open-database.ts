import { join } from 'node:path';
import type { Database } from './database.port.js';
import { PgDatabase } from './pg-database.js';
import { PgliteDatabase } from './pglite-database.js';
import { PgliteThreadDatabase } from './pglite-thread-database.js';
import type { SchemaMigrations } from './pglite-template.js';

/**
 * PostgreSQL when a URL is given, else PGlite under `dataDir` (or in memory without one); `thread`:
 * PGlite on a worker thread of its own (ADR 0082), `onLost` called if that thread dies
 */
export async function openDatabase(opts: { url?: string; dataDir?: string; poolSize?: number; applicationName?: string; migrations?: SchemaMigrations; thread?: boolean; onLost?: (err: Error) => void }): Promise<Database> {
  if (opts.url) return new PgDatabase(opts.url, { max: opts.poolSize, applicationName: opts.applicationName });
  const dir = opts.dataDir ? join(opts.dataDir, 'pglite') : undefined;
  if (opts.thread) return PgliteThreadDatabase.open(dir, { migrations: opts.migrations, onLost: opts.onLost });
  return PgliteDatabase.open(dir, { migrations: opts.migrations });
}
