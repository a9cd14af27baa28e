import type { Migration } from '@mail/db';

export const m006SentOn: Migration = {
  id: '006-imapb-sent-on',
  sql: `
-- The day of the Date header in the header's own time zone, what IMAP's SENTBEFORE/SENTON/SENTSINCE
-- compare (RFC 3501 6.4.4). sent_date is the instant, and its day in UTC is a different day for a
-- message sent in the evening west of Greenwich or the morning east of it. Rows indexed before this
-- column existed keep NULL and are searched by the UTC day of sent_date: filling them would rewrite
-- every index row of a large store inside the migration's lock, for a difference of at most a day.
ALTER TABLE mail.message_indexes ADD COLUMN sent_on date;
`,
};
