import type { Migration } from '@mail/db';
import { m002Groups } from './002-groups.js';
import { m003DomainDmarcPolicy } from './003-domain-dmarc-policy.js';
import { m004DomainRouting } from './004-domain-routing.js';
import { m005DkimKeys } from './005-dkim-keys.js';
import { m006AccountQuotaMessages } from './006-account-quota-messages.js';
import { m009LoginThrottle } from './009-login-throttle.js';

export const m001Directory: Migration = {
  id: '001-directory',
  sql: `
CREATE TABLE directory.domains (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name = lower(name)),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directory.accounts (
  id uuid PRIMARY KEY,
  address text NOT NULL UNIQUE CHECK (address = lower(address)),
  local_part text NOT NULL,
  -- RESTRICT: a domain with mailboxes in it is never dropped by accident
  domain_id uuid NOT NULL REFERENCES directory.domains (id) ON DELETE RESTRICT,
  password_hash text NOT NULL,
  display_name text,
  disabled boolean NOT NULL DEFAULT false,
  quota_bytes bigint CHECK (quota_bytes IS NULL OR quota_bytes >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_domain ON directory.accounts (domain_id);

CREATE TABLE directory.aliases (
  id uuid PRIMARY KEY,
  address text NOT NULL UNIQUE CHECK (address = lower(address)),
  domain_id uuid NOT NULL REFERENCES directory.domains (id) ON DELETE CASCADE,
  targets text[] NOT NULL CHECK (cardinality(targets) > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aliases_domain ON directory.aliases (domain_id);

-- one row per failed login; counted per (login name, remote address) over a sliding window
CREATE TABLE directory.login_failures (
  login text NOT NULL,
  remote_address text NOT NULL,
  failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_key ON directory.login_failures (login, remote_address, failed_at);
CREATE INDEX login_failures_age ON directory.login_failures (failed_at);
`,
};

export const directoryMigrations: Migration[] = [m001Directory, m002Groups, m003DomainDmarcPolicy, m004DomainRouting, m005DkimKeys, m006AccountQuotaMessages, m009LoginThrottle];
