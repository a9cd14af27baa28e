import type { Migration } from '@mail/db';

export const m011SaveDate: Migration = {
  id: '011-imapb-save-date',
  sql: `
-- RFC 8514 SAVEDATE: when the message was put in this mailbox (APPEND, COPY, MOVE, delivery), which
-- for COPY and MOVE is not the INTERNALDATE they keep. Every insert into mail.messages makes a new
-- row, so the column default is the whole of the write path, and replicas of the previous release,
-- which do not name the column, fill it too (ADR 0038). Rows already there keep NULL and are read as
-- COALESCE(saved_at, internal_date) (ADR 0056): the backfill from the internal date, done at read
-- time instead of rewriting every message row of the store inside the migration's lock. The
-- default is set after the column is added so that it does not fill the existing rows with the
-- migration's own time (a non-volatile default added with the column would).
ALTER TABLE mail.messages ADD COLUMN saved_at timestamptz;
ALTER TABLE mail.messages ALTER COLUMN saved_at SET DEFAULT now();
`,
};
