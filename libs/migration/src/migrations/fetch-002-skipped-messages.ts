import type { Migration } from '@mail/db';

/**
 * A remote message larger than REMOTE_MAX_MESSAGE_SIZE is recorded `skipped`: never fetched
 * again (the account would otherwise fail on it every run) and never deleted remotely (it was not
 * delivered here).
 */
export const fetch002SkippedMessages: Migration = {
  id: 'fetch-002-skipped-messages',
  sql: `
    ALTER TABLE migration.fetch_messages DROP CONSTRAINT fetch_messages_state_check;
    ALTER TABLE migration.fetch_messages ADD CONSTRAINT fetch_messages_state_check CHECK (state IN ('pending', 'delivered', 'skipped'));
  `,
};
