import { Database, runMigrations } from '@mail/db';
import { migrationSchemaMigrations } from './migrations/migration-migrations.js';

/**
 * The `migration` schema, brought up to date once per process: every part of the service
 * (external accounts, migration batches) awaits `ready()` before it touches its tables, whatever
 * order NestJS initialises them in.
 */
export class MigrationSchema {
  private applied: Promise<void> | undefined;

  constructor(private readonly db: Database) {}

  ready(): Promise<void> {
    this.applied ??= runMigrations(this.db, 'migration', migrationSchemaMigrations).then(() => undefined);
    return this.applied;
  }
}
