import { z } from 'zod';
import { defineRequest } from './contract.js';
import { DomainName } from './common.schemas.js';

/**
 * What a hosted domain does with incoming mail whose sender domain fails DMARC: `enforce` applies
 * the sender's published policy (reject → refused, quarantine → Junk), `report-only` delivers it
 * normally with the verdict in Authentication-Results only.
 */
export const DmarcEnforcement = z.enum(['enforce', 'report-only']);
export type DmarcEnforcement = z.infer<typeof DmarcEnforcement>;

export const DomainPolicy = z.object({ name: DomainName, dmarcPolicy: DmarcEnforcement });
export type DomainPolicy = z.infer<typeof DomainPolicy>;

/** Changes a hosted domain's inbound policy; fields left out keep their value. */
export const SetDomainPolicy = defineRequest(
  'auth.domain.policy.set.v1',
  z.object({ name: DomainName, dmarcPolicy: DmarcEnforcement.optional() }),
  DomainPolicy,
);

/** The policies of those of `domains` that are hosted (the others are left out: that also says they are not ours). */
export const GetDomainPolicies = defineRequest(
  'auth.domain.policy.get.v1',
  z.object({ domains: z.array(DomainName).min(1).max(100) }),
  z.object({ domains: z.array(DomainPolicy) }),
);
