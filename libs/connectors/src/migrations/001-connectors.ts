import type { Migration } from '@mail/db';

export const m001Connectors: Migration = {
  id: '001-connectors',
  sql: `
CREATE TABLE connectors.connectors (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  -- every field of the connector but its secret, normalised (defaults filled in), as the API shows it
  settings jsonb NOT NULL,
  -- the smart-host password, sealed with SECRETS_KEY (SecretBox); never leaves the bus in clear
  auth_password_sealed text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- names are unique regardless of case, as Exchange's are
CREATE UNIQUE INDEX connectors_name ON connectors.connectors (lower(name));
`,
};

export const connectorMigrations: Migration[] = [m001Connectors];
