import type { AccountRecord, AddressHolder, AliasRecord, DomainRecord, DomainRouting, GroupChange, GroupRecord, NewAccount, NewAlias, NewGroup } from './directory.records.js';

/**
 * Storage port of the directory. The SQL adapter is PgDirectoryRepository; service tests use an
 * in-memory one. Inserts that must keep an address unique across accounts and aliases check and
 * write atomically and report who holds the address instead of throwing.
 */
export abstract class DirectoryRepository {
  abstract listDomains(): Promise<DomainRecord[]>;
  abstract findDomain(name: string): Promise<DomainRecord | null>;
  /** the subset of `names` that are hosted here */
  abstract hostedDomains(names: string[]): Promise<string[]>;
  /** the routing settings of those of `names` that are hosted here */
  abstract domainRouting(names: string[]): Promise<DomainRouting[]>;
  /** null if the domain is not hosted; fields left out keep their value */
  abstract setDomainRouting(name: string, change: Partial<Omit<DomainRouting, 'name'>>): Promise<DomainRouting | null>;
  /** null if the name exists already */
  abstract insertDomain(domain: { id: string; name: string }): Promise<DomainRecord | null>;
  /** refuses (and reports how many) while accounts remain; aliases and groups go with the domain */
  abstract deleteDomain(id: string): Promise<{ deleted: boolean; accounts: number }>;

  abstract findAccounts(addresses: string[]): Promise<AccountRecord[]>;
  abstract findAccountById(id: string): Promise<AccountRecord | null>;
  abstract listAccounts(domainId?: string): Promise<AccountRecord[]>;
  abstract insertAccount(account: NewAccount): Promise<{ taken: AddressHolder; account?: AccountRecord }>;
  abstract deleteAccount(address: string): Promise<AccountRecord | null>;
  abstract setPasswordHash(address: string, hash: string): Promise<boolean>;
  /** null if there is no such account; fields left out keep their value, null removes the limit */
  abstract setAccountQuota(address: string, change: { quotaBytes?: number | null; quotaMessages?: number | null }): Promise<AccountRecord | null>;

  abstract findAliases(addresses: string[]): Promise<AliasRecord[]>;
  abstract listAliases(domainId?: string): Promise<AliasRecord[]>;
  abstract insertAlias(alias: NewAlias): Promise<{ taken: AddressHolder; alias?: AliasRecord }>;
  abstract deleteAlias(address: string): Promise<boolean>;

  /** groups with their members */
  abstract findGroups(addresses: string[]): Promise<GroupRecord[]>;
  abstract listGroups(domainId?: string): Promise<GroupRecord[]>;
  abstract insertGroup(group: NewGroup): Promise<{ taken: AddressHolder; group?: GroupRecord }>;
  abstract deleteGroup(address: string): Promise<boolean>;
  /** null if there is no such group */
  abstract updateGroupMembers(address: string, add: string[], remove: string[]): Promise<GroupRecord | null>;
  /** null if there is no such group; `members` replaces the whole list */
  abstract updateGroup(address: string, change: GroupChange): Promise<GroupRecord | null>;

}
