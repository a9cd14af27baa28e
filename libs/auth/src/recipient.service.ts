import { ContractError } from '@mail/contracts';
import { parseAddress, stripSubaddress, type ParsedAddress } from './address.js';
import type { AccountRecord, AliasRecord, GroupRecord } from './directory.records.js';
import type { DirectoryRepository } from './directory.repository.js';

export type Resolution =
  | { kind: 'local'; deliverTo: Array<{ accountId: string; address: string }>; forwardTo: string[]; hostedSendersOnly?: boolean }
  | { kind: 'unknown' }
  | { kind: 'remote' };

export interface ResolveLimits {
  /** alias hops followed from the address asked about */
  maxDepth: number;
  /** distinct addresses visited in one expansion (a fan-out bomb costs at most this) */
  maxAddresses: number;
}

const DEFAULT_LIMITS: ResolveLimits = { maxDepth: 8, maxAddresses: 1000 };

type Hit = { kind: 'account'; account: AccountRecord } | { kind: 'alias'; alias: AliasRecord } | { kind: 'group'; group: GroupRecord };

/**
 * Where mail goes and who may send as whom. Aliases and groups expand level by level (one round
 * of queries per level, not per address), with a visited set against loops (a group that contains
 * itself, directly or through others, is expanded once) and caps against explosions. Accounts are
 * collected by id, so a member reached twice gets one copy.
 */
export class RecipientService {
  constructor(
    private readonly repo: DirectoryRepository,
    private readonly limits: ResolveLimits = DEFAULT_LIMITS,
    private readonly onTruncated?: (address: string, why: string) => void,
  ) {}

  async resolve(raw: string): Promise<Resolution> {
    return this.expand(raw, { groups: true });
  }

  private async expand(raw: string, opts: { groups: boolean }): Promise<Resolution> {
    const start = parseAddress(raw);
    if (!start) throw new ContractError('INVALID', `${JSON.stringify(raw)} is not of the form local@domain`);
    if (!(await this.repo.hostedDomains([start.domain])).length) return { kind: 'remote' };

    const deliverTo = new Map<string, string>();
    const forwardTo = new Set<string>();
    const visited = new Set<string>([start.address]);
    let hostedSendersOnly = false;
    let level: ParsedAddress[] = [start];

    for (let depth = 0; level.length; depth++) {
      if (depth > this.limits.maxDepth) {
        this.onTruncated?.(start.address, `alias nesting deeper than ${this.limits.maxDepth}`);
        break;
      }
      const found = await this.lookupLevel(level, opts.groups);
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
        if (hit.kind === 'group' && hit.group.hostedSendersOnly) hostedSendersOnly = true;
        for (const target of hit.kind === 'alias' ? hit.alias.targets : hit.group.members) {
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
      ...(hostedSendersOnly ? { hostedSendersOnly } : {}),
    };
  }

  /**
   * Own address (with or without a +tag), or an alias that expands to the account. Not a group it
   * is a member of: being on a list does not make one its voice.
   */
  async maySendAs(accountId: string, raw: string): Promise<boolean> {
    const account = await this.repo.findAccountById(accountId);
    const addr = parseAddress(raw);
    if (!account || account.disabled || !addr) return false;
    if (addr.address === account.address || stripSubaddress(addr)?.address === account.address) return true;
    const resolution = await this.expand(addr.address, { groups: false });
    return resolution.kind === 'local' && resolution.deliverTo.some((d) => d.accountId === accountId);
  }

  private async lookupLevel(level: ParsedAddress[], withGroups: boolean) {
    const hosted = new Set(await this.repo.hostedDomains([...new Set(level.map((a) => a.domain))]));
    const candidates = new Set<string>();
    for (const a of level) {
      if (!hosted.has(a.domain)) continue;
      candidates.add(a.address);
      const stripped = stripSubaddress(a);
      if (stripped) candidates.add(stripped.address);
    }
    const list = [...candidates];
    const [accounts, aliases, groups] = await Promise.all([this.repo.findAccounts(list), this.repo.findAliases(list), withGroups ? this.repo.findGroups(list) : []]);
    const byAddress = new Map<string, Hit>();
    for (const group of groups) byAddress.set(group.address, { kind: 'group', group });
    for (const alias of aliases) byAddress.set(alias.address, { kind: 'alias', alias });
    for (const account of accounts) byAddress.set(account.address, { kind: 'account', account });
    return { hosted, byAddress };
  }
}
