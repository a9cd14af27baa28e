import type { Account, Alias, Domain } from '@mail/contracts';
import type { AccountRecord, AliasRecord, DomainRecord } from './directory.records.js';

export const domainView = (d: DomainRecord): Domain => ({ id: d.id, name: d.name, createdAt: d.createdAt.toISOString() });

export const accountView = (a: AccountRecord): Account => ({
  id: a.id,
  address: a.address,
  domain: a.domain,
  displayName: a.displayName,
  disabled: a.disabled,
  quotaBytes: a.quotaBytes,
  quotaMessages: a.quotaMessages,
  createdAt: a.createdAt.toISOString(),
});

export const aliasView = (a: AliasRecord): Alias => ({ id: a.id, address: a.address, targets: a.targets, createdAt: a.createdAt.toISOString() });
