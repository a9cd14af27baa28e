import { ContractError, type MailboxInfo } from '@mail/contracts';
import type { Database } from '@mail/db';
import { canWrite, hasRights } from '@mail/imap-protocol';
import type { AclRepository, Grant } from './acl.repository.js';
import { DELIMITER, normalizeMailboxName } from './mailbox-name.js';
import type { MailboxRepository } from './mailbox.repository.js';
import { DELETED, SEEN } from './flags.js';

/** The shared namespace (RFC 2342): other accounts' mailboxes appear as `Shared/<owner address>/<name>`. */
export const SHARED_ROOT = 'Shared';
export const SHARED_PREFIX = SHARED_ROOT + DELIMITER;

/** mailbox ids whose owner this process has seen, kept so that an own mailbox costs no ACL lookup */
const OWNER_CACHE_SIZE = 50_000;

export interface Caller {
  accountId: string;
  /** the caller's tenant (the domain of its address); without it `anyone` shares do not match */
  tenant?: string;
}

/** A mailbox as the store works on it: the owner's account and name, and the caller's grant when it is not the owner. */
export interface Target {
  accountId: string;
  name: string;
  grant: Grant | null;
  /** the name the caller used (the shared one), to answer with */
  callerName: string;
}

export function sharedName(ownerAddress: string, name: string): string {
  return `${SHARED_PREFIX}${ownerAddress}${DELIMITER}${name}`;
}

/** "Shared/alice@example.com/Team/2026" → ["alice@example.com", "Team/2026"]; null when it names no mailbox. */
export function parseSharedName(name: string): { ownerAddress: string; name: string } | null {
  if (!name.startsWith(SHARED_PREFIX)) return null;
  const rest = name.slice(SHARED_PREFIX.length);
  const cut = rest.indexOf(DELIMITER);
  if (cut <= 0 || cut === rest.length - 1) return null;
  return { ownerAddress: rest.slice(0, cut).toLowerCase(), name: normalizeMailboxName(rest.slice(cut + 1)) };
}

/**
 * Where the store enforces RFC 4314 rights (ADR 0044): every request that names a mailbox passes
 * here before the services run, with the rights its operation needs. A caller's own mailbox costs
 * nothing more than before; another account's mailbox is found through mail.acl, checked, and the
 * operation then runs as the owner (its quota, its change events). A mailbox the caller has no right
 * on is NOT_FOUND, whatever exists: a guessed name tells nothing.
 */
export class SharedAccess {
  /** mailbox id → owner account; an owner never changes */
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly acl: AclRepository,
    private readonly mailboxes: MailboxRepository,
  ) {}

  /** Resolves a name the caller used; `need`: the rights the operation requires. */
  async byName(caller: Caller, rawName: string, need: string): Promise<Target> {
    const name = normalizeMailboxName(rawName);
    const shared = parseSharedName(name);
    // an own mailbox under "Shared/" from before sharing existed keeps working
    if (!shared || (await this.mailboxes.byName(this.db, caller.accountId, name))) return { accountId: caller.accountId, name, grant: null, callerName: name };
    if (!caller.tenant) throw notFound(name);
    const tenant = caller.tenant.toLowerCase();
    await this.mailboxes.ensureAccount(this.db, caller.accountId);
    await this.acl.learnTenant(this.db, caller.accountId, tenant);
    const row = await this.acl.sharedByName(this.db, caller.accountId, tenant, shared.ownerAddress, shared.name);
    if (!row) throw notFound(name);
    this.remember(row.id, row.ownerId);
    demand(row, need, name);
    return { accountId: row.ownerId, name: row.name, grant: row, callerName: name };
  }

  /**
   * Runs `op` on a mailbox named by id: as the caller when it is its own (or unknown: the service
   * answers NOT_FOUND), as the owner when the caller holds `need` on it.
   */
  async byId<T>(caller: Caller, mailboxId: string, need: string, op: (accountId: string, grant: Grant | null) => Promise<T>): Promise<T> {
    const owner = this.owners.get(mailboxId);
    if (owner === undefined || owner === caller.accountId) {
      try {
        const result = await op(caller.accountId, null);
        if (owner === undefined) this.remember(mailboxId, caller.accountId);
        return result;
      } catch (err) {
        if (!(err instanceof ContractError && err.code === 'NOT_FOUND')) throw err;
        const grant = await this.acl.grantById(this.db, caller.accountId, mailboxId);
        if (!grant) throw err;
        return this.asOwner(mailboxId, grant, need, op);
      }
    }
    const grant = await this.acl.grantById(this.db, caller.accountId, mailboxId);
    if (!grant) throw notFound('');
    return this.asOwner(mailboxId, grant, need, op);
  }

  private asOwner<T>(mailboxId: string, grant: Grant, need: string, op: (accountId: string, grant: Grant) => Promise<T>): Promise<T> {
    this.remember(mailboxId, grant.ownerId);
    demand(grant, need, '');
    return op(grant.ownerId, grant);
  }

  private remember(mailboxId: string, ownerId: string): void {
    if (this.owners.size >= OWNER_CACHE_SIZE) this.owners.clear();
    this.owners.set(mailboxId, ownerId);
  }
}

/** Refuses what the grant does not allow: NOPERM when the caller may see the mailbox, else as if it did not exist. */
function demand(grant: Grant, need: string, name: string): void {
  if (hasRights(grant.rights, need)) return;
  if (grant.rights.includes('l') || grant.rights.includes('r')) throw new ContractError('FORBIDDEN', `no right to do that on "${name}"`);
  throw notFound(name);
}

function notFound(name: string): ContractError {
  return new ContractError('NOT_FOUND', name ? `no mailbox "${name}"` : 'no such mailbox');
}

/** The mailbox as the caller sees it: its shared name, the owner and the caller's rights. */
export function asSeenBy<T extends MailboxInfo>(info: T, target: { grant: Grant | null; callerName?: string }): T {
  if (!target.grant) return info;
  return { ...info, ...(target.callerName ? { name: target.callerName } : {}), owner: target.grant.ownerId, rights: target.grant.rights };
}

/**
 * The flags of a STORE or APPEND a grantee may set (RFC 4314 4): \Seen needs "s", \Deleted "t",
 * every other flag "w"; the rest is left out silently. A STORE left with nothing it may change is
 * refused (NOPERM). A replace touches every flag, so it needs all three.
 */
export function permittedFlags(rights: string, flags: string[], mode: 'add' | 'remove' | 'replace' | 'append'): string[] {
  if (mode === 'replace') {
    if (!hasRights(rights, 'stw')) throw new ContractError('FORBIDDEN', 'replacing flags needs the s, t and w rights');
    return flags;
  }
  const kept = flags.filter((f) => (f === SEEN ? rights.includes('s') : f === DELETED ? rights.includes('t') : rights.includes('w')));
  if (mode !== 'append' && flags.length && !kept.length) throw new ContractError('FORBIDDEN', 'no right to change these flags');
  return kept;
}

/** \Recent is claimed only by a session that could change the mailbox (a read-only share peeks). */
export function recentModeFor<M extends string | undefined>(grant: Grant | null, mode: M): M | 'peek' {
  return grant && mode === 'claim' && !canWrite(grant.rights) ? 'peek' : mode;
}

