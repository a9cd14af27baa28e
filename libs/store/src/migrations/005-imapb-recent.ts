import type { Migration } from '@mail/db';

export const m005Recent: Migration = {
  id: '005-imapb-recent',
  sql: `
-- IMAP4rev1 \\Recent (RFC 3501 2.3.2): the highest UID some session has already claimed as recent.
-- A read-write SELECT (and then each arrival it learns of) moves it up to uid_next - 1 in one
-- statement under the row lock, so exactly one session, on whichever replica, gets each message.
-- Messages already in a mailbox when this migration runs are not recent for anyone.
ALTER TABLE mail.mailboxes ADD COLUMN recent_uid bigint NOT NULL DEFAULT 0;
UPDATE mail.mailboxes SET recent_uid = uid_next - 1;
`,
};
