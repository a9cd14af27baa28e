import type { Migration } from '@mail/db';

export const m001Batches: Migration = {
  id: 'batch-001-batches',
  sql: `
CREATE TABLE migration_batch.batches (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  host text NOT NULL,
  port integer NOT NULL,
  tls text NOT NULL CHECK (tls IN ('implicit', 'starttls', 'none')),
  insecure boolean NOT NULL DEFAULT false,
  max_connections integer NOT NULL,
  messages_per_second integer NOT NULL,
  state text NOT NULL DEFAULT 'created',
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz
);
CREATE UNIQUE INDEX batches_name ON migration_batch.batches (lower(name));

CREATE TABLE migration_batch.users (
  id uuid PRIMARY KEY,
  batch_id uuid NOT NULL REFERENCES migration_batch.batches (id) ON DELETE CASCADE,
  email_address text NOT NULL,
  user_name text NOT NULL,
  -- sealed with SECRETS_KEY (SecretBox): a dump of the database alone does not reveal it
  password_sealed text NOT NULL,
  state text NOT NULL DEFAULT 'pending',
  -- the pass the user was last queued for: 1 the first copy, 2 the final incremental one
  pass integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  lease_until timestamptz,
  last_error text,
  last_error_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz
);
CREATE UNIQUE INDEX users_address ON migration_batch.users (batch_id, lower(email_address));
-- what workers scan: queued users whose time has come, and leases that ran out
CREATE INDEX users_work ON migration_batch.users (state, next_attempt_at);

CREATE TABLE migration_batch.folders (
  user_id uuid NOT NULL REFERENCES migration_batch.users (id) ON DELETE CASCADE,
  remote_path text NOT NULL,
  local_name text NOT NULL,
  uid_validity bigint NOT NULL,
  last_uid bigint NOT NULL DEFAULT 0,
  messages_total integer NOT NULL DEFAULT 0,
  messages_done integer NOT NULL DEFAULT 0,
  bytes_done bigint NOT NULL DEFAULT 0,
  errors integer NOT NULL DEFAULT 0,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, remote_path)
);
`,
};

/** Schema `migration_batch`, in order; a released migration is never edited, only followed by a new one. */
export const batchMigrations: Migration[] = [m001Batches];
