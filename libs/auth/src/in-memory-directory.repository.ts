import type { AccountRecord, AddressHolder, AliasRecord, DomainRecord, DomainRouting, GroupChange, GroupRecord, NewAccount, NewAlias, NewGroup } from './directory.records.js';
import { DirectoryRepository } from './directory.repository.js';

/** The directory in maps, for tests of the service rules. */
export class InMemoryDirectoryRepository extends DirectoryRepository {
  readonly domains = new Map<string, DomainRecord>();
  readonly accounts = new Map<string, AccountRecord>();
  readonly aliases = new Map<string, AliasRecord>();
  readonly groups = new Map<string, GroupRecord>();
  /** by domain name; a hosted domain without an entry has the defaults */
  readonly routing = new Map<string, DomainRouting>();

  async listDomains() {
    return [...this.domains.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  async findDomain(name: string) {
    return [...this.domains.values()].find((d) => d.name === name) ?? null;
  }
  async hostedDomains(names: string[]) {
    const hosted = new Set([...this.domains.values()].map((d) => d.name));
    return names.filter((n) => hosted.has(n));
  }
  async domainRouting(names: string[]) {
    return (await this.hostedDomains(names)).map((name) => this.routing.get(name) ?? { name, catchAll: null, subaddressSeparators: '+', overQuota: 'defer' as const });
  }
  async setDomainRouting(name: string, change: Partial<Omit<DomainRouting, 'name'>>) {
    const [current] = await this.domainRouting([name]);
    if (!current) return null;
    const next = { ...current, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    this.routing.set(name, next);
    return next;
  }
  async insertDomain(d: { id: string; name: string }) {
    if (await this.findDomain(d.name)) return null;
    const rec = { ...d, createdAt: new Date() };
    this.domains.set(d.id, rec);
    return rec;
  }
  async deleteDomain(id: string) {
    if (!this.domains.has(id)) return { deleted: false, accounts: 0 };
    const accounts = [...this.accounts.values()].filter((a) => a.domainId === id).length;
    if (accounts) return { deleted: false, accounts };
    this.domains.delete(id);
    for (const [k, a] of this.aliases) if (a.domainId === id) this.aliases.delete(k);
    for (const [k, g] of this.groups) if (g.domainId === id) this.groups.delete(k);
    return { deleted: true, accounts: 0 };
  }

  async findAccounts(addresses: string[]) {
    return addresses.flatMap((a) => this.accounts.get(a) ?? []);
  }
  async findAccountById(id: string) {
    return [...this.accounts.values()].find((a) => a.id === id) ?? null;
  }
  async listAccounts(domainId?: string) {
    return [...this.accounts.values()].filter((a) => !domainId || a.domainId === domainId).sort((a, b) => a.address.localeCompare(b.address));
  }
  async insertAccount(a: NewAccount): Promise<{ taken: AddressHolder; account?: AccountRecord }> {
    const taken = this.holder(a.address);
    if (taken) return { taken };
    const rec: AccountRecord = { ...a, domain: this.domains.get(a.domainId)?.name ?? '', createdAt: new Date() };
    this.accounts.set(a.address, rec);
    return { taken: null, account: rec };
  }
  async deleteAccount(address: string) {
    const rec = this.accounts.get(address) ?? null;
    this.accounts.delete(address);
    return rec;
  }
  async setPasswordHash(address: string, hash: string) {
    const rec = this.accounts.get(address);
    if (rec) rec.passwordHash = hash;
    return !!rec;
  }

  async setAccountQuota(address: string, change: { quotaBytes?: number | null; quotaMessages?: number | null }) {
    const rec = this.accounts.get(address);
    if (!rec) return null;
    if (change.quotaBytes !== undefined) rec.quotaBytes = change.quotaBytes;
    if (change.quotaMessages !== undefined) rec.quotaMessages = change.quotaMessages;
    return { ...rec };
  }

  async findAliases(addresses: string[]) {
    return addresses.flatMap((a) => this.aliases.get(a) ?? []);
  }
  async listAliases(domainId?: string) {
    return [...this.aliases.values()].filter((a) => !domainId || a.domainId === domainId).sort((a, b) => a.address.localeCompare(b.address));
  }
  async insertAlias(a: NewAlias): Promise<{ taken: AddressHolder; alias?: AliasRecord }> {
    const taken = this.holder(a.address);
    if (taken) return { taken };
    const rec = { ...a, createdAt: new Date() };
    this.aliases.set(a.address, rec);
    return { taken: null, alias: rec };
  }
  async deleteAlias(address: string) {
    return this.aliases.delete(address);
  }

  async findGroups(addresses: string[]) {
    return addresses.flatMap((a) => this.groups.get(a) ?? []).map((g) => ({ ...g, members: [...g.members] }));
  }
  async listGroups(domainId?: string) {
    return [...this.groups.values()].filter((g) => !domainId || g.domainId === domainId).sort((a, b) => a.address.localeCompare(b.address));
  }
  async insertGroup(g: NewGroup): Promise<{ taken: AddressHolder; group?: GroupRecord }> {
    const taken = this.holder(g.address);
    if (taken) return { taken };
    const rec = { ...g, members: [...new Set(g.members)].sort(), createdAt: new Date() };
    this.groups.set(g.address, rec);
    return { taken: null, group: rec };
  }
  async deleteGroup(address: string) {
    return this.groups.delete(address);
  }
  async updateGroupMembers(address: string, add: string[], remove: string[]) {
    const g = this.groups.get(address);
    if (!g) return null;
    const gone = new Set(remove);
    g.members = [...new Set([...g.members.filter((m) => !gone.has(m)), ...add])].sort();
    return { ...g, members: [...g.members] };
  }


  async updateGroup(address: string, change: GroupChange) {
    const g = this.groups.get(address);
    if (!g) return null;
    if (change.displayName !== undefined) g.displayName = change.displayName;
    if (change.hostedSendersOnly !== undefined) g.hostedSendersOnly = change.hostedSendersOnly;
    if (change.members) g.members = [...new Set(change.members)].sort();
    return { ...g, members: [...g.members] };
  }

  private holder(address: string): AddressHolder {
    return this.accounts.has(address) ? 'account' : this.aliases.has(address) ? 'alias' : this.groups.has(address) ? 'group' : null;
  }
}
