import type { Migration } from '@mail/db';

export const m007Tombstones: Migration = {
  id: '007-imapb-tombstones',
  sql: `
-- QRESYNC (RFC 7162) answers "what vanished since MODSEQ m" from mail.expunged. Tombstones are kept
-- for a retention period (expunged_at), then pruned; vanished_floor is the highest MODSEQ of a
-- pruned tombstone of the mailbox, below which the list of expunged UIDs is no longer complete
-- (the IMAP session then reports every UID it cannot see, which RFC 7162 3.2.5.2 allows).
ALTER TABLE mail.expunged ADD COLUMN expunged_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX expunged_age ON mail.expunged (expunged_at);
ALTER TABLE mail.mailboxes ADD COLUMN vanished_floor bigint NOT NULL DEFAULT 0;
`,
};
