import type { Migration } from '@mail/db';

export const m010ThreadReferences: Migration = {
  id: '010-thread-references',
  sql: `
-- The References header as written, for IMAP THREAD=REFERENCES: RFC 5256 compares message ids
-- case-sensitively, and the headers column is lowercased for search. Bounded at insert as the sort
-- keys always were (its first 1 KiB and last 7 KiB). Rows indexed before this column existed keep
-- NULL; their References come from the lowercased headers and are matched without regard to case
-- (sort-keys.service.ts, thread.ts): they cannot be given their case back without reading every blob.
ALTER TABLE mail.message_indexes ADD COLUMN thread_references text;
`,
};
