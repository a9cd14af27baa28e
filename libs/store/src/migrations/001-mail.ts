import type { Migration } from '@mail/db';

export const m001Mail: Migration = {
  id: '001-mail',
  sql: `
-- UIDVALIDITY must never repeat for a name, even after DELETE and CREATE: one global, increasing
-- sequence, started near "seconds since 2023" so values also grow across a database rebuild.
CREATE SEQUENCE mail.uid_validity_seq;
SELECT setval('mail.uid_validity_seq', GREATEST(1, extract(epoch FROM now())::bigint - 1672531200));

-- One row per account the store has seen; its insertion is what creates the default mailboxes.
CREATE TABLE mail.accounts (
  account_id uuid PRIMARY KEY,
  -- NULL: the module's default quota applies
  quota_bytes bigint CHECK (quota_bytes IS NULL OR quota_bytes >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Counters are kept in the same transaction as the change, so STATUS never counts rows.
CREATE TABLE mail.mailboxes (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES mail.accounts (account_id) ON DELETE CASCADE,
  name text NOT NULL,
  special_use text,
  subscribed boolean NOT NULL DEFAULT true,
  uid_validity bigint NOT NULL DEFAULT nextval('mail.uid_validity_seq'),
  uid_next bigint NOT NULL DEFAULT 1,
  highest_modseq bigint NOT NULL DEFAULT 1,
  message_count bigint NOT NULL DEFAULT 0,
  unseen_count bigint NOT NULL DEFAULT 0,
  size_bytes bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, name)
);

-- One row per blob, shared by every copy of the message (50 local recipients: parsed once).
-- No foreign key from messages: ref_count is the reference, and an FK would need an index on
-- messages(index_id) that every append pays for.
CREATE TABLE mail.message_indexes (
  id bigserial PRIMARY KEY,
  blob_key text NOT NULL UNIQUE,
  size bigint NOT NULL,
  header_size bigint NOT NULL,
  envelope jsonb NOT NULL,
  body jsonb NOT NULL,
  sent_date timestamptz,
  -- search columns, lowercased at insert (searched with LIKE lower(pattern))
  hdr_from text NOT NULL DEFAULT '',
  hdr_to text NOT NULL DEFAULT '',
  hdr_cc text NOT NULL DEFAULT '',
  hdr_bcc text NOT NULL DEFAULT '',
  hdr_subject text NOT NULL DEFAULT '',
  -- "name:value" per header field, name lowercased, value decoded and unfolded
  headers text[] NOT NULL DEFAULT '{}',
  -- decoded text of the text parts, capped by libs/mime; IMAP BODY/TEXT are substring matches
  body_text text NOT NULL DEFAULT '',
  ref_count integer NOT NULL DEFAULT 0,
  unreferenced_since timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_indexes_unreferenced ON mail.message_indexes (unreferenced_since) WHERE ref_count <= 0;

CREATE TABLE mail.messages (
  mailbox_id uuid NOT NULL REFERENCES mail.mailboxes (id) ON DELETE CASCADE,
  uid bigint NOT NULL,
  modseq bigint NOT NULL,
  flags text[] NOT NULL DEFAULT '{}',
  internal_date timestamptz NOT NULL,
  size bigint NOT NULL,
  -- copied from the index row so FETCH without ENVELOPE/BODYSTRUCTURE needs no join
  blob_key text NOT NULL,
  header_size bigint NOT NULL,
  index_id bigint NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX messages_modseq ON mail.messages (mailbox_id, modseq);

-- Expunged uids with the modseq of their removal: CONDSTORE/QRESYNC "VANISHED (EARLIER)".
CREATE TABLE mail.expunged (
  mailbox_id uuid NOT NULL REFERENCES mail.mailboxes (id) ON DELETE CASCADE,
  uid bigint NOT NULL,
  modseq bigint NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX expunged_modseq ON mail.expunged (mailbox_id, modseq);

-- AppendMessage results by idempotency key, written in the append's own transaction.
CREATE TABLE mail.append_results (
  account_id uuid NOT NULL,
  idempotency_key text NOT NULL,
  mailbox_id uuid,
  uid bigint,
  uid_validity bigint,
  modseq bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX append_results_age ON mail.append_results (created_at);
`,
};

