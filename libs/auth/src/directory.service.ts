import { randomUUID } from 'node:crypto';
import { ContractError, type Account, type Alias, type Domain } from '@mail/contracts';
import { normalizeDomain } from './address.js';
import type { DomainRecord } from './directory.records.js';
import { addressTaken, requireAddress, requireDomain, requireProvisionable } from './directory-rules.js';
import type { DirectoryRepository } from './directory.repository.js';
import type { PasswordHasher } from './password-hasher.js';
import { accountView, aliasView, domainView } from './records-to-contract.js';

/** Provisioning of domains, accounts and aliases: the rules an admin meets. */
export class DirectoryService {
  constructor(
    private readonly repo: DirectoryRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async createDomain(rawName: string): Promise<Domain> {
    const name = normalizeDomain(rawName);
    const created = await this.repo.insertDomain({ id: randomUUID(), name });
    if (!created) throw new ContractError('CONFLICT', `domain ${name} exists already`);
    return domainView(created);
  }

  async listDomains(): Promise<{ domains: Domain[] }> {
    return { domains: (await this.repo.listDomains()).map(domainView) };
  }

  async deleteDomain(rawName: string): Promise<{ deleted: true }> {
    const domain = await this.requireDomain(normalizeDomain(rawName));
    const result = await this.repo.deleteDomain(domain.id);
    if (result.accounts > 0) {
      throw new ContractError(
        'CONFLICT',
        `domain ${domain.name} still has ${result.accounts} account${result.accounts === 1 ? '' : 's'}; remove ${result.accounts === 1 ? 'it' : 'them'} first`,
      );
    }
    if (!result.deleted) throw new ContractError('NOT_FOUND', `domain ${domain.name} is not hosted here`);
    return { deleted: true };
  }

  async createAccount(req: { address: string; password: string; displayName?: string; quotaBytes?: number; quotaMessages?: number }): Promise<Account> {
    const addr = requireProvisionable(req.address);
    const domain = await this.requireDomain(addr.domain);
    const passwordHash = await this.hasher.hash(req.password);
    const displayName = req.displayName?.trim() || null;
    const { taken, account } = await this.repo.insertAccount({
      id: randomUUID(),
      address: addr.address,
      localPart: addr.localPart,
      domainId: domain.id,
      passwordHash,
      displayName,
      disabled: false,
      quotaBytes: req.quotaBytes ?? null,
      quotaMessages: req.quotaMessages ?? null,
    });
    if (taken || !account) throw addressTaken(addr.address, taken);
    return accountView(account);
  }

  async listAccounts(rawDomain?: string): Promise<{ accounts: Account[] }> {
    const domain = rawDomain === undefined ? undefined : await this.requireDomain(normalizeDomain(rawDomain));
    return { accounts: (await this.repo.listAccounts(domain?.id)).map(accountView) };
  }

  async getAccount(rawAddress: string): Promise<Account> {
    const address = requireAddress(rawAddress).address;
    const [account] = await this.repo.findAccounts([address]);
    if (!account) throw new ContractError('NOT_FOUND', `no account ${address}`);
    return accountView(account);
  }

  async deleteAccount(rawAddress: string): Promise<{ deleted: true; accountId: string }> {
    const address = requireAddress(rawAddress).address;
    const deleted = await this.repo.deleteAccount(address);
    if (!deleted) throw new ContractError('NOT_FOUND', `no account ${address}`);
    return { deleted: true, accountId: deleted.id };
  }

  async setPassword(rawAddress: string, password: string): Promise<{ updated: true }> {
    const address = requireAddress(rawAddress).address;
    const [account] = await this.repo.findAccounts([address]);
    if (!account) throw new ContractError('NOT_FOUND', `no account ${address}`);
    const updated = await this.repo.setPasswordHash(address, await this.hasher.hash(password));
    if (!updated) throw new ContractError('NOT_FOUND', `no account ${address}`);
    return { updated: true };
  }

  async setAccountQuota(req: { address: string; quotaBytes?: number | null; quotaMessages?: number | null }): Promise<Account> {
    const address = requireAddress(req.address).address;
    const account = await this.repo.setAccountQuota(address, { quotaBytes: req.quotaBytes, quotaMessages: req.quotaMessages });
    if (!account) throw new ContractError('NOT_FOUND', `no account ${address}`);
    return accountView(account);
  }

  async createAlias(req: { address: string; targets: string[] }): Promise<Alias> {
    const addr = requireProvisionable(req.address);
    const domain = await this.requireDomain(addr.domain);
    const targets = [...new Set(req.targets.map((t) => requireAddress(t, 'target').address))];
    if (targets.includes(addr.address)) throw new ContractError('INVALID', `alias ${addr.address} can't point to itself`);
    const { taken, alias } = await this.repo.insertAlias({ id: randomUUID(), address: addr.address, domainId: domain.id, targets });
    if (taken || !alias) throw addressTaken(addr.address, taken);
    return aliasView(alias);
  }

  async listAliases(rawDomain?: string): Promise<{ aliases: Alias[] }> {
    const domain = rawDomain === undefined ? undefined : await this.requireDomain(normalizeDomain(rawDomain));
    return { aliases: (await this.repo.listAliases(domain?.id)).map(aliasView) };
  }

  async deleteAlias(rawAddress: string): Promise<{ deleted: true }> {
    const address = requireAddress(rawAddress).address;
    if (!(await this.repo.deleteAlias(address))) throw new ContractError('NOT_FOUND', `no alias ${address}`);
    return { deleted: true };
  }

  private requireDomain(name: string): Promise<DomainRecord> {
    return requireDomain(this.repo, name);
  }
}
