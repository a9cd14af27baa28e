import { ContractError } from '@mail/contracts';
import { parseAddress, separatorsProblem } from './address.js';

/** A domain-policy change with its local-routing fields checked and normalised (catch-all lowercased). */
export function validDomainRouting<T extends { catchAll?: string | null; subaddressSeparators?: string }>(change: T): T {
  if (change.subaddressSeparators !== undefined) {
    const problem = separatorsProblem(change.subaddressSeparators);
    if (problem) throw new ContractError('INVALID', problem);
  }
  if (change.catchAll == null) return change;
  const target = parseAddress(change.catchAll);
  if (!target) throw new ContractError('INVALID', `catch-all ${JSON.stringify(change.catchAll)} is not of the form local@domain`);
  return { ...change, catchAll: target.address };
}
