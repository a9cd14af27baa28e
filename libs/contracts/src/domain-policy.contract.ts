import { z } from 'zod';
import { defineRequest } from './contract.js';
import { DomainName, EmailAddress } from './common.schemas.js';
import { OverQuotaPolicy } from './quota.contract.js';

/**
 * What a hosted domain does with incoming mail whose sender domain fails DMARC: `enforce` applies
 * the sender's published policy (reject → refused, quarantine → Junk), `report-only` delivers it
 * normally with the verdict in Authentication-Results only.
 */
export const DmarcEnforcement = z.enum(['enforce', 'report-only']);
export type DmarcEnforcement = z.infer<typeof DmarcEnforcement>;

/**
 * Local routing of a hosted domain (ADR 0019): `catchAll` takes mail for addresses nobody holds
 * (null: refused with 5.1.1); each character of `subaddressSeparators` separates a tag (user+tag;
 * '' turns subaddressing off); `overQuota` answers a full mailbox with 452 4.2.2 (defer) or 552 5.2.2
 * (reject).
 */
const DomainRoutingFields = {
  catchAll: EmailAddress.nullable(),
  subaddressSeparators: z.string().max(4),
  overQuota: OverQuotaPolicy,
};

export const DomainPolicy = z.object({
  name: DomainName,
  dmarcPolicy: DmarcEnforcement,
  catchAll: DomainRoutingFields.catchAll.optional(),
  subaddressSeparators: DomainRoutingFields.subaddressSeparators.optional(),
  overQuota: DomainRoutingFields.overQuota.optional(),
});
export type DomainPolicy = z.infer<typeof DomainPolicy>;

/** Changes a hosted domain's inbound policy; fields left out keep their value. */
export const SetDomainPolicy = defineRequest(
  'auth.domain.policy.set.v1',
  z.object({
    name: DomainName,
    dmarcPolicy: DmarcEnforcement.optional(),
    catchAll: DomainRoutingFields.catchAll.optional(),
    subaddressSeparators: DomainRoutingFields.subaddressSeparators.optional(),
    overQuota: DomainRoutingFields.overQuota.optional(),
  }),
  DomainPolicy,
);

/** The policies of those of `domains` that are hosted (the others are left out: that also says they are not ours). */
export const GetDomainPolicies = defineRequest(
  'auth.domain.policy.get.v1',
  z.object({ domains: z.array(DomainName).min(1).max(100) }),
  z.object({ domains: z.array(DomainPolicy) }),
);
