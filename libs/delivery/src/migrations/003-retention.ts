import type { Migration } from '@mail/db';

/** The retention sweep (queue-retention.ts) walks finished messages oldest first. */
export const m003Retention: Migration = {
  id: '003-retention',
  sql: `CREATE INDEX messages_received ON queue.messages (received_at);`,
};
