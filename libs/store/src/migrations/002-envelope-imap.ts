import type { Migration } from '@mail/db';

export const m002EnvelopeImap: Migration = {
  id: '002-envelope-imap',
  sql: `
-- The ENVELOPE rendered in IMAP syntax when the message is indexed, so that FETCH ENVELOPE copies
-- text instead of parsing JSON and rendering it again for every message of every FETCH (Dovecot
-- caches "imap.envelope" for the same reason). NULL for rows indexed before this column existed:
-- FETCH renders those from the jsonb envelope.
ALTER TABLE mail.message_indexes ADD COLUMN envelope_imap text;
`,
};
