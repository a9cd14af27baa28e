import type { Migration } from '@mail/db';

/** An account's message-count limit beside its byte limit (additive; NULL: no limit). */
export const m006AccountQuotaMessages: Migration = {
  id: '006-account-quota-messages',
  sql: `ALTER TABLE directory.accounts ADD COLUMN quota_messages bigint CHECK (quota_messages IS NULL OR quota_messages >= 0);`,
};
