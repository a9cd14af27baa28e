import { ContractError } from '@mail/contracts';
import { localPartProblem, parseAddress, type ParsedAddress } from './address.js';
import type { AddressHolder, DomainRecord } from './directory.records.js';
import type { DirectoryRepository } from './directory.repository.js';

/** Checks shared by every kind of provisioning (accounts, aliases, groups). */
export function requireAddress(raw: string, what = 'address'): ParsedAddress {
  const parsed = parseAddress(raw);
  if (!parsed) throw new ContractError('INVALID', `${what} ${JSON.stringify(raw)} is not of the form local@domain`);
  return parsed;
}

export function requireProvisionable(raw: string): ParsedAddress {
  const parsed = requireAddress(raw);
  const problem = localPartProblem(parsed.localPart);
  if (problem) throw new ContractError('INVALID', `${parsed.address}: ${problem}`);
  return parsed;
}

export async function requireDomain(repo: DirectoryRepository, name: string): Promise<DomainRecord> {
  const domain = await repo.findDomain(name);
  if (!domain) throw new ContractError('NOT_FOUND', `domain ${name} is not hosted here`);
  return domain;
}

export function addressTaken(address: string, holder: AddressHolder): ContractError {
  return new ContractError('CONFLICT', `${address} is already ${holder === 'alias' ? 'an alias' : holder === 'group' ? 'a group' : 'an account'}`);
}
