import type { Migration } from '@mail/db';

/**
 * Outbound (issue 13): a recipient told of its delay is not told again (delay_notified_at), and an
 * administrator may hold a recipient (status `held`: never claimed until released).
 */
export const m005Outbound: Migration = {
  id: '005-outbound',
  sql: `
ALTER TABLE queue.recipients ADD COLUMN delay_notified_at timestamptz;
ALTER TABLE queue.recipients DROP CONSTRAINT recipients_status_check;
ALTER TABLE queue.recipients ADD CONSTRAINT recipients_status_check CHECK (status IN ('queued', 'deferred', 'held', 'delivered', 'bounced', 'failed'));
`,
};
