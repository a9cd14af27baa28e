import type { Migration } from '@mail/db';

export const m008Metadata: Migration = {
  id: '008-imapb-metadata',
  sql: `
-- METADATA annotations (RFC 5464): the server's (mailbox_id NULL) and each mailbox's, per account.
-- Entry names are kept lowercase (they are case-insensitive). A mailbox's go with it (cascade);
-- RENAME keeps them (they hang on the id).
CREATE TABLE mail.metadata (
  account_id uuid NOT NULL REFERENCES mail.accounts (account_id) ON DELETE CASCADE,
  mailbox_id uuid REFERENCES mail.mailboxes (id) ON DELETE CASCADE,
  entry text NOT NULL,
  value text NOT NULL
);
CREATE UNIQUE INDEX metadata_server ON mail.metadata (account_id, entry) WHERE mailbox_id IS NULL;
CREATE UNIQUE INDEX metadata_mailbox ON mail.metadata (mailbox_id, entry) WHERE mailbox_id IS NOT NULL;
`,
};
