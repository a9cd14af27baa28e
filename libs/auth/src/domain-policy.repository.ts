import { ContractError, type DmarcEnforcement, type DomainPolicy } from '@mail/contracts';
import type { Database } from '@mail/db';
import { normalizeDomain } from './address.js';

/** The inbound policies of hosted domains (directory.domains.dmarc_policy). */
export class DomainPolicyRepository {
  constructor(private readonly db: Database) {}

  async set(rawName: string, change: { dmarcPolicy?: DmarcEnforcement }): Promise<DomainPolicy> {
    const { rows } = await this.db.query<{ name: string; dmarc_policy: DmarcEnforcement }>(
      `UPDATE directory.domains SET dmarc_policy = COALESCE($2, dmarc_policy) WHERE name = $1 RETURNING name, dmarc_policy`,
      [normalizeDomain(rawName), change.dmarcPolicy ?? null],
    );
    if (!rows[0]) throw new ContractError('NOT_FOUND', `domain ${rawName} is not hosted here`);
    return { name: rows[0].name, dmarcPolicy: rows[0].dmarc_policy };
  }

  async get(rawNames: string[]): Promise<{ domains: DomainPolicy[] }> {
    const { rows } = await this.db.query<{ name: string; dmarc_policy: DmarcEnforcement }>(
      `SELECT name, dmarc_policy FROM directory.domains WHERE name = ANY($1::text[]) ORDER BY name`,
      [[...new Set(rawNames.map(normalizeDomain))]],
    );
    return { domains: rows.map((r) => ({ name: r.name, dmarcPolicy: r.dmarc_policy })) };
  }
}
