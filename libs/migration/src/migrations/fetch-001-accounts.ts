import type { Migration } from '@mail/db';

/**
 * External accounts (ADR 0029). `fetch_accounts` carries the schedule and the claim (lease) that
 * keeps two replicas from running one account at once; `fetch_messages` records every remote
 * message before it is delivered (pending, with the queue id chosen for it) and after (delivered),
 * so a run cut short anywhere neither loses nor repeats a message; `fetch_folders` keeps IMAP's
 * UIDVALIDITY and the highest UID taken; `fetch_errors` the recent failures `show` lists.
 */
export const fetch001Accounts: Migration = {
  id: 'fetch-001-accounts',
  sql: `
    CREATE TABLE migration.fetch_accounts (
      id uuid PRIMARY KEY,
      user_address text NOT NULL,
      protocol text NOT NULL CHECK (protocol IN ('imap', 'pop3')),
      host text NOT NULL,
      port integer NOT NULL,
      tls text NOT NULL CHECK (tls IN ('implicit', 'starttls', 'none')),
      insecure boolean NOT NULL DEFAULT false,
      username text NOT NULL,
      sealed_password text NOT NULL,
      folders jsonb NOT NULL,
      interval_seconds integer NOT NULL,
      leave_on_server boolean NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      next_run_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      leased_by text,
      last_run_at timestamptz,
      last_success_at timestamptz,
      last_error_at timestamptz,
      last_error_kind text,
      last_error text,
      consecutive_failures integer NOT NULL DEFAULT 0,
      auth_failures integer NOT NULL DEFAULT 0,
      messages_fetched bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX fetch_accounts_due ON migration.fetch_accounts (next_run_at) WHERE enabled;
    CREATE INDEX fetch_accounts_user ON migration.fetch_accounts (user_address);

    CREATE TABLE migration.fetch_folders (
      account_id uuid NOT NULL REFERENCES migration.fetch_accounts(id) ON DELETE CASCADE,
      folder text NOT NULL,
      uid_validity bigint,
      highest_uid bigint,
      PRIMARY KEY (account_id, folder)
    );

    CREATE TABLE migration.fetch_messages (
      account_id uuid NOT NULL REFERENCES migration.fetch_accounts(id) ON DELETE CASCADE,
      folder text NOT NULL,
      remote_id text NOT NULL,
      queue_id uuid NOT NULL,
      message_id text,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered')),
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      PRIMARY KEY (account_id, folder, remote_id)
    );

    CREATE TABLE migration.fetch_errors (
      id bigserial PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES migration.fetch_accounts(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      kind text NOT NULL,
      message text NOT NULL
    );
    CREATE INDEX fetch_errors_account ON migration.fetch_errors (account_id, at DESC);
  `,
};
