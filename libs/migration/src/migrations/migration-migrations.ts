import type { Migration } from '@mail/db';
import { fetch001Accounts } from './fetch-001-accounts.js';
import { fetch002SkippedMessages } from './fetch-002-skipped-messages.js';

/**
 * The `migration` schema, applied in id order. Ids carry the part they belong to (`fetch-…` for
 * external accounts, `batch-…` for migration batches) so the two never collide; a released
 * migration is never edited, only followed by a new one.
 */
export const migrationSchemaMigrations: Migration[] = [fetch001Accounts, fetch002SkippedMessages];
