import type { Migration } from '@mail/db';

/** Per hosted domain: catch-all address, subaddress separators ('' = off), over-quota answer (additive). */
export const m004DomainRouting: Migration = {
  id: '004-domain-routing',
  sql: `
ALTER TABLE directory.domains ADD COLUMN catch_all text CHECK (catch_all IS NULL OR catch_all = lower(catch_all));
ALTER TABLE directory.domains ADD COLUMN subaddress_separators text NOT NULL DEFAULT '+';
ALTER TABLE directory.domains ADD COLUMN over_quota text NOT NULL DEFAULT 'defer' CHECK (over_quota IN ('defer', 'reject'));
`,
};
