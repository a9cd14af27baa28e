import type { Migration } from '@mail/db';

export const m004Subscriptions: Migration = {
  id: '004-imapb-subscriptions',
  sql: `
-- The subscription list is the client's (RFC 3501 6.3.6): a name stays subscribed when its mailbox
-- is deleted, and a name may be subscribed before (or without) a mailbox of that name existing.
-- A column of mail.mailboxes could do neither. mail.mailboxes.subscribed is left in place, no
-- longer read or written, so a replica of the previous release still runs during a rolling upgrade.
CREATE TABLE mail.subscriptions (
  account_id uuid NOT NULL REFERENCES mail.accounts (account_id) ON DELETE CASCADE,
  name text NOT NULL,
  PRIMARY KEY (account_id, name)
);
INSERT INTO mail.subscriptions (account_id, name) SELECT account_id, name FROM mail.mailboxes WHERE subscribed;
`,
};
