import type { Migration } from '@mail/db';

/**
 * The ESMTP parameters a message came with (contracts EnvelopeParams: RFC 3461 RET/ENVID and, per
 * recipient, NOTIFY/ORCPT; REQUIRETLS; SMTPUTF8; BODY) and per-recipient decisions of smtp-in (DMARC
 * quarantine → Junk). One jsonb column on the message row, NULL for the many messages that have none:
 * per-recipient values are keyed by address there, so claiming a recipient reads nothing more.
 */
export const m004EnvelopeParams: Migration = {
  id: '004-envelope-params',
  sql: `ALTER TABLE queue.messages ADD COLUMN envelope jsonb;`,
};
