import type { SchemaMigrations } from '@mail/db';
import { directoryMigrations } from '@mail/auth';
import { connectorMigrations } from '@mail/connectors';
import { queueMigrations } from '@mail/delivery';
import { migrationSchemaMigrations } from '@mail/migration';
import { batchMigrations } from '@mail/migration-batch';
import { mailMigrations } from '@mail/store';
import { traceMigrations } from '@mail/trace';

/**
 * Every schema the embedded platform's modules bring up to date at start (each in its own
 * onModuleInit), keyed by the schema name its module passes to runMigrations. A fresh PGlite starts
 * from the template made of exactly these (scripts/pglite-template.mjs, ADR 0070); a module missing
 * here still works, its migrations just run at the first start (the spec checks the list is whole).
 */
export const EMBEDDED_MIGRATIONS: SchemaMigrations = {
  directory: directoryMigrations,
  connectors: connectorMigrations,
  queue: queueMigrations,
  migration: migrationSchemaMigrations,
  migration_batch: batchMigrations,
  mail: mailMigrations,
  trace: traceMigrations,
};
