import type { Migration } from '@mail/db';

/** Per hosted domain: whether a failing sender's DMARC policy is applied to its incoming mail (contracts DmarcEnforcement). */
export const m003DomainDmarcPolicy: Migration = {
  id: '003-domain-dmarc-policy',
  sql: `ALTER TABLE directory.domains ADD COLUMN dmarc_policy text NOT NULL DEFAULT 'enforce' CHECK (dmarc_policy IN ('enforce', 'report-only'));`,
};
