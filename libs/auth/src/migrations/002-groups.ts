import type { Migration } from '@mail/db';

/** Distribution groups (additive: nothing existing changes). */
export const m002Groups: Migration = {
  id: '002-groups',
  sql: `
CREATE TABLE directory.groups (
  id uuid PRIMARY KEY,
  address text NOT NULL UNIQUE CHECK (address = lower(address)),
  domain_id uuid NOT NULL REFERENCES directory.domains (id) ON DELETE CASCADE,
  display_name text,
  hosted_senders_only boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX groups_domain ON directory.groups (domain_id);

-- a member is an address (account, alias, group or remote), not a foreign key: removing an account
-- must not need to know the groups it is in, and a dangling member simply delivers nowhere
CREATE TABLE directory.group_members (
  group_id uuid NOT NULL REFERENCES directory.groups (id) ON DELETE CASCADE,
  member text NOT NULL CHECK (member = lower(member)),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, member)
);
`,
};
