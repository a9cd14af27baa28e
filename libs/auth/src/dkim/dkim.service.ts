import { randomUUID } from 'node:crypto';
import { ContractError, type DkimAlgorithm, type DkimKey } from '@mail/contracts';
import type { DirectoryRepository } from '../directory.repository.js';
import { normalizeDomain } from '../address.js';
import { dkimTxtValue, generateDkimKeyPair } from './dkim-key-pair.js';
import type { DkimKeyRecord, DkimKeyRepository } from './dkim-key.repository.js';
import { domainDnsRecords } from './domain-dns-records.js';

/** Seals secrets at rest: @mail/secrets' SecretBox. */
export interface Sealer {
  seal(text: string): string;
  open(sealed: string): string;
}

const view = (k: DkimKeyRecord): DkimKey => ({
  domain: k.domain,
  selector: k.selector,
  algorithm: k.algorithm,
  status: k.status,
  createdAt: k.createdAt.toISOString(),
  dnsName: `${k.selector}._domainkey.${k.domain}`,
  txt: dkimTxtValue(k.algorithm, k.publicKey),
});

/** `20261207-rsa`: sorts by age, says what it is, and a rotation on another day never collides. */
function defaultSelector(algorithm: DkimAlgorithm, now: Date, attempt: number): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `${day}-${algorithm === 'ed25519' ? 'ed' : 'rsa'}${attempt ? `-${attempt + 1}` : ''}`;
}

/** Generation, storage (sealed), rotation and publication of the domains' DKIM keys. */
export class DkimService {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly keys: DkimKeyRepository,
    private readonly sealer: Sealer,
    private readonly mailHost: string,
  ) {}

  async create(req: { domain: string; selector?: string; algorithm: DkimAlgorithm }): Promise<DkimKey> {
    const domain = await this.requireDomain(req.domain);
    const result = await this.insert(domain, req.algorithm, req.selector, false);
    if (!result.key) {
      throw new ContractError(
        'CONFLICT',
        result.conflict === 'active'
          ? `${domain.name} has an active ${req.algorithm} key already: rotate it (mailctl dkim rotate ${domain.name})`
          : `selector ${req.selector} is taken for ${domain.name}`,
      );
    }
    return view(result.key);
  }

  async list(rawDomain?: string): Promise<{ keys: DkimKey[] }> {
    const domain = rawDomain === undefined ? undefined : await this.requireDomain(rawDomain);
    return { keys: (await this.keys.list(domain?.id)).map(view) };
  }

  async rotate(req: { domain: string; algorithm?: DkimAlgorithm }): Promise<{ created: DkimKey[]; retired: DkimKey[] }> {
    const domain = await this.requireDomain(req.domain);
    const active = (await this.keys.active(domain.name)).map((k) => k.algorithm);
    const algorithms = req.algorithm ? [req.algorithm] : active;
    if (!algorithms.length) throw new ContractError('NOT_FOUND', `${domain.name} has no DKIM key to rotate: mailctl dkim add ${domain.name}`);
    const created: DkimKey[] = [];
    const retired: DkimKey[] = [];
    for (const algorithm of algorithms) {
      const result = await this.insert(domain, algorithm, undefined, true);
      if (result.key) created.push(view(result.key));
      retired.push(...result.retired.map(view));
    }
    return { created, retired };
  }

  async remove(req: { domain: string; selector: string }): Promise<{ deleted: true }> {
    const domain = await this.requireDomain(req.domain);
    if (!(await this.keys.delete(domain.id, req.selector))) throw new ContractError('NOT_FOUND', `no DKIM key ${req.selector} for ${domain.name}`);
    return { deleted: true };
  }

  /** Sealed, as stored: only delivery opens them. An unhosted domain simply has none. */
  async signingKeys(rawDomain: string): Promise<{ keys: Array<{ selector: string; algorithm: DkimAlgorithm; sealedPrivateKey: string }> }> {
    const keys = await this.keys.active(normalizeDomain(rawDomain));
    return { keys: keys.map((k) => ({ selector: k.selector, algorithm: k.algorithm, sealedPrivateKey: k.privateKeySealed })) };
  }

  async dnsRecords(rawDomain: string) {
    const domain = await this.requireDomain(rawDomain);
    const dkim = (await this.keys.list(domain.id)).map(view);
    return { domain: domain.name, ...domainDnsRecords({ domain: domain.name, mailHost: this.mailHost, dkim }) };
  }

  private async insert(domain: { id: string; name: string }, algorithm: DkimAlgorithm, selector: string | undefined, retire: boolean) {
    const pair = await generateDkimKeyPair(algorithm);
    const sealed = this.sealer.seal(pair.privateKeyPem);
    // a chosen selector is tried once; a default one moves on to -2, -3 when the day's is taken
    for (let attempt = 0; ; attempt++) {
      const chosen = selector ?? defaultSelector(algorithm, new Date(), attempt);
      const result = await this.keys.insert({ id: randomUUID(), domainId: domain.id, selector: chosen, algorithm, privateKeySealed: sealed, publicKey: pair.publicKey }, retire);
      if (result.key || selector || result.conflict !== 'selector' || attempt >= 50) return result;
    }
  }

  private async requireDomain(raw: string) {
    const name = normalizeDomain(raw);
    const domain = await this.directory.findDomain(name);
    if (!domain) throw new ContractError('NOT_FOUND', `domain ${name} is not hosted here`);
    return domain;
  }
}
