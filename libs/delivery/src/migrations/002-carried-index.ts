import type { Migration } from '@mail/db';

/**
 * The MessageIndex smtp-in computed while it received the message (ADR 0007), kept with the queue
 * row so that whichever replica delivers it can hand it to the store. lz4 where the server has it
 * (an index is mostly search text: ~11 KB for a 10 KB message, a third of that compressed), and
 * STORAGE MAIN: compressed but kept in the row when it fits a page, so that writing and reading it
 * back need no TOAST table and TOAST index (measured with pg_stat_statements under the ingest
 * benchmark: the queue insert and the claim's message read cost ~0.25 ms more per message each with
 * the default out-of-line storage).
 */
export const m002CarriedIndex: Migration = {
  id: '002-carried-index',
  sql: `
ALTER TABLE queue.messages ADD COLUMN message_index text;
ALTER TABLE queue.messages ALTER COLUMN message_index SET STORAGE MAIN;
DO $$
BEGIN
  ALTER TABLE queue.messages ALTER COLUMN message_index SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 is not available: queue.messages.message_index keeps pglz';
END
$$;
`,
};
