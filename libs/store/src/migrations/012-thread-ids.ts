import type { Migration } from '@mail/db';

export const m012ThreadIds: Migration = {
  id: '012-thread-ids',
  sql: `
-- RFC 8474 THREADID (ADR 0066). Expand only: every column is nullable and nothing is rewritten.
-- thread_keys: what joins a message to a thread (hashes of the ids it names with its base subject,
-- thread-keys.ts), computed at indexing and kept on the shared index row so that a second
-- recipient of the same blob does not parse it again. NULL on rows indexed before: such a
-- message starts a thread of its own when it is appended again.
ALTER TABLE mail.message_indexes ADD COLUMN thread_keys bigint[];
-- The thread of each copy, in its owner's numbering: the index row id of the thread's first
-- message. NULL on older rows and on rows an earlier release inserts during a rolling upgrade,
-- read as COALESCE(thread_id, index_id): each such message its own thread, a THREADID that never
-- changes once shown.
ALTER TABLE mail.messages ADD COLUMN thread_id bigint;
-- Per owner: which thread a key leads to. Written by the append statement itself; the primary key
-- is the lookup. No foreign key to mail.accounts (each insert would lock the account row), as
-- for mail.append_results.
CREATE TABLE mail.thread_keys (
  account_id uuid NOT NULL,
  key bigint NOT NULL,
  thread_id bigint NOT NULL,
  PRIMARY KEY (account_id, key)
);
`,
};
