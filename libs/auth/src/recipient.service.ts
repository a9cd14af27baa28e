import { ContractError } from '@mail/contracts';
import { parseAddress, splitSubaddress, type ParsedAddress } from './address.js';
import type { AccountRecord, AliasRecord, GroupRecord } from './directory.records.js';
import type { DirectoryRepository } from './directory.repository.js';

/** One local mailbox to deliver to; `detail`: the subaddress tag the recipient address carried (kept for Sieve) */
export interface Delivery {
  accountId: string;
  address: string;
  detail?: string;
  /** present when the account has limits of its own */
  quota?: { bytes: number | null; messages: number | null; overQuota: 'defer' | 'reject' };
}

export type Resolution =
  | { kind: 'local'; deliverTo: Delivery[]; forwardTo: string[]; hostedSendersOnly?: boolean }
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
    return this.expand(raw, { groups: true, catchAll: true });
  }

  private async expand(raw: string, opts: { groups: boolean; catchAll: boolean }): Promise<Resolution> {
    const start = parseAddress(raw);
    if (!start) throw new ContractError('INVALID', `${JSON.stringify(raw)} is not of the form local@domain`);
    if (!(await this.repo.hostedDomains([start.domain])).length) return { kind: 'remote' };

    const deliverTo = new Map<string, Delivery>();
    const forwardTo = new Set<string>();
    const visited = new Set<string>([start.address]);
    let hostedSendersOnly = false;
    let level: ParsedAddress[] = [start];
    const follow = (target: string, next: ParsedAddress[]): boolean => {
      const t = parseAddress(target);
      if (!t || visited.has(t.address)) return true;
      if (visited.size >= this.limits.maxAddresses) {
        this.onTruncated?.(start.address, `more than ${this.limits.maxAddresses} addresses`);
        return false;
      }
      visited.add(t.address);
      next.push(t);
      return true;
    };

    for (let depth = 0; level.length; depth++) {
      if (depth > this.limits.maxDepth) {
        this.onTruncated?.(start.address, `alias nesting deeper than ${this.limits.maxDepth}`);
        break;
      }
      const found = await this.lookupLevel(level, opts.groups);
      const next: ParsedAddress[] = [];
      for (const addr of level) {
        const routing = found.routing.get(addr.domain);
        if (!routing) {
          forwardTo.add(addr.address);
          continue;
        }
        const sub = splitSubaddress(addr, routing.subaddressSeparators);
        const hit = found.byAddress.get(addr.address) ?? (sub ? found.byAddress.get(sub.base.address) : undefined);
        if (!hit) {
          // nobody holds it: the domain's catch-all, if any (never for "may send as": it would make
          // its owner the owner of every address of the domain)
          if (opts.catchAll && routing.catchAll) follow(routing.catchAll, next);
          continue;
        }
        if (hit.kind === 'account') {
          if (!deliverTo.has(hit.account.id)) {
            const tagged = sub && hit.account.address === sub.base.address && addr.address !== hit.account.address;
            const { quotaBytes: bytes, quotaMessages: messages } = hit.account;
            deliverTo.set(hit.account.id, {
              accountId: hit.account.id,
              address: hit.account.address,
              ...(tagged ? { detail: sub.tag.slice(0, 64) } : {}),
              // the account's domain is the address's: an account is found only in its own domain
              ...(bytes != null || messages != null ? { quota: { bytes, messages, overQuota: routing.overQuota } } : {}),
            });
          }
          continue;
        }
        if (hit.kind === 'group' && hit.group.hostedSendersOnly) hostedSendersOnly = true;
        for (const target of hit.kind === 'alias' ? hit.alias.targets : hit.group.members) if (!follow(target, next)) break;
      }
      level = next;
    }

    if (!deliverTo.size && !forwardTo.size) return { kind: 'unknown' };
    return {
      kind: 'local',
      deliverTo: [...deliverTo.values()],
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
    if (addr.address === account.address) return true;
    const [routing] = await this.repo.domainRouting([addr.domain]);
    if (routing && splitSubaddress(addr, routing.subaddressSeparators)?.base.address === account.address) return true;
    const resolution = await this.expand(addr.address, { groups: false, catchAll: false });
    return resolution.kind === 'local' && resolution.deliverTo.some((d) => d.accountId === accountId);
  }

  private async lookupLevel(level: ParsedAddress[], withGroups: boolean) {
    const routing = new Map((await this.repo.domainRouting([...new Set(level.map((a) => a.domain))])).map((r) => [r.name, r]));
    const candidates = new Map<ParsedAddress, string[]>();
    for (const a of level) {
      const domain = routing.get(a.domain);
      if (!domain) continue;
      const sub = splitSubaddress(a, domain.subaddressSeparators);
      candidates.set(a, sub ? [a.address, sub.base.address] : [a.address]);
    }
    const list = [...new Set([...candidates.values()].flat())];
    const [accounts, aliases] = await Promise.all([this.repo.findAccounts(list), this.repo.findAliases(list)]);
    const byAddress = new Map<string, Hit>();
    for (const alias of aliases) byAddress.set(alias.address, { kind: 'alias', alias });
    for (const account of accounts) byAddress.set(account.address, { kind: 'account', account });
    // accounts, aliases and groups share one address space: groups are looked up only for what
    // neither found, so mail to a plain account pays no third query
    const misses = [...candidates.values()].filter((c) => !c.some((x) => byAddress.has(x))).flat();
    if (withGroups && misses.length) {
      for (const group of await this.repo.findGroups([...new Set(misses)])) byAddress.set(group.address, { kind: 'group', group });
    }
    return { routing, byAddress };
  }
}
