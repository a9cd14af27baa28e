import { ContractError, type DmarcEnforcement, type DomainPolicy, type OverQuotaPolicy } from '@mail/contracts';
import type { Database } from '@mail/db';
import { normalizeDomain } from './address.js';

interface PolicyRow {
  name: string;
  dmarc_policy: DmarcEnforcement;
  catch_all: string | null;
  subaddress_separators: string;
  over_quota: OverQuotaPolicy;
}
const POLICY_COLUMNS = 'name, dmarc_policy, catch_all, subaddress_separators, over_quota';
const toPolicy = (r: PolicyRow): DomainPolicy => ({
  name: r.name,
  dmarcPolicy: r.dmarc_policy,
  catchAll: r.catch_all,
  subaddressSeparators: r.subaddress_separators,
  overQuota: r.over_quota,
});

/** The inbound policies of hosted domains (directory.domains: dmarc_policy, and the local routing of ADR 0019). */
export class DomainPolicyRepository {
  constructor(private readonly db: Database) {}

  /** `change` comes through validDomainRouting (domain-routing.rules.ts) */
  async set(rawName: string, change: { dmarcPolicy?: DmarcEnforcement; catchAll?: string | null; subaddressSeparators?: string; overQuota?: OverQuotaPolicy }): Promise<DomainPolicy> {
    const { rows } = await this.db.query<PolicyRow>(
      `UPDATE directory.domains SET dmarc_policy = COALESCE($2, dmarc_policy),
         catch_all = CASE WHEN $3 THEN $4 ELSE catch_all END,
         subaddress_separators = COALESCE($5, subaddress_separators),
         over_quota = COALESCE($6, over_quota)
       WHERE name = $1 RETURNING ${POLICY_COLUMNS}`,
      [normalizeDomain(rawName), change.dmarcPolicy ?? null, change.catchAll !== undefined, change.catchAll ?? null, change.subaddressSeparators ?? null, change.overQuota ?? null],
    );
    if (!rows[0]) throw new ContractError('NOT_FOUND', `domain ${rawName} is not hosted here`);
    return toPolicy(rows[0]);
  }

  async get(rawNames: string[]): Promise<{ domains: DomainPolicy[] }> {
    const { rows } = await this.db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM directory.domains WHERE name = ANY($1::text[]) ORDER BY name`, [
      [...new Set(rawNames.map(normalizeDomain))],
    ]);
    return { domains: rows.map(toPolicy) };
  }
}
