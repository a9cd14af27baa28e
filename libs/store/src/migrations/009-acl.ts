import type { Migration } from '@mail/db';

export const m009Acl: Migration = {
  id: '009-acl',
  sql: `
-- RFC 4314 ACL on mailboxes (ADR 0044). A share never leaves the owner's tenant (the domain of its
-- address): \`tenant\` is the owner's, every grantee is of it, and the grantee \`anyone\` (grantee_id
-- NULL) means anyone of that tenant. The owner is not listed: it always holds every right.
-- owner_address names the mailbox in the grantees' shared namespace (Shared/<owner_address>/...).
ALTER TABLE mail.accounts ADD COLUMN tenant text;
CREATE TABLE mail.acl (
  mailbox_id uuid NOT NULL REFERENCES mail.mailboxes (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES mail.accounts (account_id) ON DELETE CASCADE,
  owner_address text NOT NULL,
  tenant text NOT NULL,
  grantee_id uuid,
  grantee_address text,
  rights text NOT NULL CHECK (rights ~ '^l?r?s?w?i?p?k?x?t?e?a?$' AND rights <> ''),
  CHECK ((grantee_id IS NULL) = (grantee_address IS NULL))
);
CREATE UNIQUE INDEX acl_mailbox_grantee ON mail.acl (mailbox_id, coalesce(grantee_id, '00000000-0000-0000-0000-000000000000'::uuid));
CREATE INDEX acl_grantee ON mail.acl (grantee_id) WHERE grantee_id IS NOT NULL;
CREATE INDEX acl_anyone ON mail.acl (tenant) WHERE grantee_id IS NULL;
CREATE INDEX acl_owner ON mail.acl (owner_id);
`,
};
