import { ContractError } from '@mail/contracts';
import { parseAddress, stripSubaddress, type ParsedAddress } from './address.js';
import type { AccountRecord, AliasRecord } from './directory.records.js';
import type { DirectoryRepository } from './directory.repository.js';

export type Resolution =
  | { kind: 'local'; deliverTo: Array<{ accountId: string; address: string }>; forwardTo: string[] }
  | { kind: 'unknown' }
  | { kind: 'remote' };

export interface ResolveLimits {
  /** alias hops followed from the address asked about */
  maxDepth: number;
  /** distinct addresses visited in one expansion (a fan-out bomb costs at most this) */
  maxAddresses: number;
}

const DEFAULT_LIMITS: ResolveLimits = { maxDepth: 8, maxAddresses: 1000 };

/**
 * Where mail goes and who may send as whom. Aliases expand level by level (one round of queries
 * per level, not per address), with a visited set against loops and caps against explosions.
 */
export class RecipientService {
  constructor(
    private readonly repo: DirectoryRepository,
    private readonly limits: ResolveLimits = DEFAULT_LIMITS,
    private readonly onTruncated?: (address: string, why: string) => void,
  ) {}

  async resolve(raw: string): Promise<Resolution> {
    const start = parseAddress(raw);
    if (!start) throw new ContractError('INVALID', `${JSON.stringify(raw)} is not of the form local@domain`);
    if (!(await this.repo.hostedDomains([start.domain])).length) return { kind: 'remote' };

    const deliverTo = new Map<string, string>();
    const forwardTo = new Set<string>();
    const visited = new Set<string>([start.address]);
    let level: ParsedAddress[] = [start];

    for (let depth = 0; level.length; depth++) {
      if (depth > this.limits.maxDepth) {
        this.onTruncated?.(start.address, `alias nesting deeper than ${this.limits.maxDepth}`);
        break;
      }
      const found = await this.lookupLevel(level);
      const next: ParsedAddress[] = [];
      for (const addr of level) {
        if (!found.hosted.has(addr.domain)) {
          forwardTo.add(addr.address);
          continue;
        }
        const hit = found.byAddress.get(addr.address) ?? found.byAddress.get(stripSubaddress(addr)?.address ?? '');
        if (!hit) continue; // a dangling alias target in a hosted domain: nobody to deliver to
        if (hit.kind === 'account') {
          deliverTo.set(hit.account.id, hit.account.address);
          continue;
        }
        for (const target of hit.alias.targets) {
          const t = parseAddress(target);
          if (!t || visited.has(t.address)) continue;
          if (visited.size >= this.limits.maxAddresses) {
            this.onTruncated?.(start.address, `more than ${this.limits.maxAddresses} addresses`);
            break;
          }
          visited.add(t.address);
          next.push(t);
        }
      }
      level = next;
    }

    if (!deliverTo.size && !forwardTo.size) return { kind: 'unknown' };
    return {
      kind: 'local',
      deliverTo: [...deliverTo].map(([accountId, address]) => ({ accountId, address })),
      forwardTo: [...forwardTo],
    };
  }

  /** Own address (with or without a +tag), or an alias that expands to the account. */
  async maySendAs(accountId: string, raw: string): Promise<boolean> {
    const account = await this.repo.findAccountById(accountId);
    const addr = parseAddress(raw);
    if (!account || account.disabled || !addr) return false;
    if (addr.address === account.address || stripSubaddress(addr)?.address === account.address) return true;
    const resolution = await this.resolve(addr.address);
    return resolution.kind === 'local' && resolution.deliverTo.some((d) => d.accountId === accountId);
  }

  private async lookupLevel(level: ParsedAddress[]) {
    const hosted = new Set(await this.repo.hostedDomains([...new Set(level.map((a) => a.domain))]));
    const candidates = new Set<string>();
    for (const a of level) {
      if (!hosted.has(a.domain)) continue;
      candidates.add(a.address);
      const stripped = stripSubaddress(a);
      if (stripped) candidates.add(stripped.address);
    }
    const list = [...candidates];
    const [accounts, aliases] = await Promise.all([this.repo.findAccounts(list), this.repo.findAliases(list)]);
    const byAddress = new Map<string, { kind: 'account'; account: AccountRecord } | { kind: 'alias'; alias: AliasRecord }>();
    for (const alias of aliases) byAddress.set(alias.address, { kind: 'alias', alias });
    for (const account of accounts) byAddress.set(account.address, { kind: 'account', account });
    return { hosted, byAddress };
  }
}
