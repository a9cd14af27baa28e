import type { Migration } from '@mail/db';

export const m014MetadataPrivateGrantee: Migration = {
  id: '014-metadata-private-grantee',
  sql: `
-- A user's own /private annotations on a mailbox another account shares with it (RFC 5464:
-- private entries are per user; ADR 0072). Expand only: mail.metadata keeps the owner's (and the
-- server's), whose unique keys are per mailbox and entry, so a grantee's value could not sit beside
-- the owner's there; an older store never reads this table (it refused such writes). The rows go
-- with the mailbox (cascade) and with the user's account (purge); a share taken back keeps them,
-- unreachable, until it is given again.
CREATE TABLE mail.metadata_private (
  user_id uuid NOT NULL,
  mailbox_id uuid NOT NULL REFERENCES mail.mailboxes (id) ON DELETE CASCADE,
  entry text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (user_id, mailbox_id, entry)
);
`,
};
