import type { Migration } from '@mail/db';

/**
 * DKIM signing keys per domain (issue 13, ADR 0017). The private key is stored sealed by the
 * platform's SecretBox (AES-256-GCM under SECRETS_KEY), never in clear; the public half is kept in
 * clear because it is published in DNS anyway. At most one active key per domain and algorithm:
 * a rotation retires the old one in the same transaction as it inserts the new.
 */
export const m005DkimKeys: Migration = {
  id: '005-dkim-keys',
  sql: `
CREATE TABLE directory.dkim_keys (
  id uuid PRIMARY KEY,
  domain_id uuid NOT NULL REFERENCES directory.domains (id) ON DELETE CASCADE,
  selector text NOT NULL CHECK (selector = lower(selector)),
  algorithm text NOT NULL CHECK (algorithm IN ('rsa-2048', 'ed25519')),
  private_key_sealed text NOT NULL,
  public_key text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  UNIQUE (domain_id, selector)
);
CREATE UNIQUE INDEX dkim_keys_one_active ON directory.dkim_keys (domain_id, algorithm) WHERE status = 'active';
`,
};
