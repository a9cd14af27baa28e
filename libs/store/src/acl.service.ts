import { ContractError, type DeleteAcl, type GetAcl, type ListSharedWith, type MailboxInfo, type MyRights, type ParsedRequestOf, type ResponseOf, type SetAcl } from '@mail/contracts';
import type { Database } from '@mail/db';
import { ALL_RIGHTS, applyRights } from '@mail/imap-protocol';
import type { AclRepository } from './acl.repository.js';
import type { ChangePublisher } from './change-publisher.js';
import type { MailboxRepository } from './mailbox.repository.js';
import { asSeenBy, sharedName, type SharedAccess, type Target } from './shared-access.js';
import { toMailboxInfo } from './store.records.js';

type CallerRequest = { accountId: string; address: string; tenant: string; mailbox: string };

/** The tenant of an address: its domain, lowercase. */
export function tenantOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** RFC 4314's SETACL, DELETEACL, GETACL, MYRIGHTS and the shares of an account (ADR 0044). */
export class AclService {
  constructor(
    private readonly db: Database,
    private readonly acl: AclRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly shared: SharedAccess,
    /** absent where the service only reads (access's read model): SETACL/DELETEACL run in the store */
    private readonly events?: ChangePublisher,
  ) {}

  /** tells NOTIFY sessions of the tenant that a grantee's view may have changed (ADR 0072) */
  private async changed(t: { target: Target; mailboxId: string; tenant: string }, granteeId: string | null): Promise<void> {
    await this.events?.publishAcl({ tenant: t.tenant, ownerId: t.target.accountId, mailboxId: t.mailboxId, granteeId });
  }

  /** The mailbox, resolved for the caller; an own one needs its row (the shared path found it already). */
  private async target(p: CallerRequest, need: string): Promise<{ target: Target; mailboxId: string; ownerAddress: string; tenant: string }> {
    const tenant = tenantOf(p.address);
    if (p.tenant.toLowerCase() !== tenant) throw new ContractError('INVALID', 'the tenant is the domain of the address');
    const target = await this.shared.byName({ accountId: p.accountId, tenant }, p.mailbox, need);
    if (target.grant) {
      const row = await this.mailboxes.byName(this.db, target.accountId, target.name);
      if (!row) throw new ContractError('NOT_FOUND', `no mailbox "${target.callerName}"`);
      return { target, mailboxId: row.id, ownerAddress: target.grant.ownerAddress, tenant: target.grant.tenant };
    }
    let row = await this.mailboxes.byName(this.db, p.accountId, target.name);
    if (!row) {
      await this.mailboxes.ensureAccount(this.db, p.accountId);
      row = await this.mailboxes.byName(this.db, p.accountId, target.name);
    }
    if (!row) throw new ContractError('NOT_FOUND', `no mailbox "${target.name}"`);
    await this.acl.learnTenant(this.db, p.accountId, tenant);
    return { target, mailboxId: row.id, ownerAddress: p.address.toLowerCase(), tenant };
  }

  private granteeId(t: { target: Target; tenant: string }, grantee: ParsedRequestOf<typeof SetAcl>['grantee']): { id: string | null; address: string | null } {
    if (grantee.kind === 'anyone') return { id: null, address: null };
    // the one rule that keeps tenants apart: a grantee is of the owner's tenant, or nobody
    if (grantee.tenant.toLowerCase() !== t.tenant || tenantOf(grantee.address) !== t.tenant) {
      throw new ContractError('FORBIDDEN', 'a mailbox is shared only within its tenant');
    }
    if (grantee.accountId === t.target.accountId) throw new ContractError('INVALID', 'the owner always holds every right');
    return { id: grantee.accountId, address: grantee.address.toLowerCase() };
  }

  async set(p: ParsedRequestOf<typeof SetAcl>): Promise<ResponseOf<typeof SetAcl>> {
    const t = await this.target(p, 'a');
    const grantee = this.granteeId(t, p.grantee);
    const rights = await this.db.transaction(async (tx) => {
      // the mailbox row lock orders concurrent SETACLs on one mailbox (add/remove read, then write)
      const locked = await this.mailboxes.byId(tx, t.target.accountId, t.mailboxId, true);
      if (!locked) throw new ContractError('NOT_FOUND', 'no such mailbox');
      const next = applyRights(await this.acl.rightsOf(tx, t.mailboxId, grantee.id), { mode: p.mode, rights: p.rights });
      if (!next) await this.acl.remove(tx, t.mailboxId, grantee.id);
      else await this.acl.put(tx, { mailboxId: t.mailboxId, ownerId: t.target.accountId, ownerAddress: t.ownerAddress, tenant: t.tenant, granteeId: grantee.id, granteeAddress: grantee.address, rights: next });
      return next;
    });
    await this.changed(t, grantee.id);
    return { rights };
  }

  async delete(p: ParsedRequestOf<typeof DeleteAcl>): Promise<ResponseOf<typeof DeleteAcl>> {
    const t = await this.target(p, 'a');
    const grantee = this.granteeId(t, p.grantee);
    const deleted = await this.acl.remove(this.db, t.mailboxId, grantee.id);
    if (deleted) await this.changed(t, grantee.id);
    return { deleted };
  }

  async get(p: ParsedRequestOf<typeof GetAcl>): Promise<ResponseOf<typeof GetAcl>> {
    const t = await this.target(p, 'a');
    const rows = await this.acl.entries(this.db, t.mailboxId);
    return {
      owner: t.ownerAddress,
      entries: [{ identifier: t.ownerAddress, rights: ALL_RIGHTS }, ...rows.map((r) => ({ identifier: r.grantee_address ?? 'anyone', rights: r.rights }))],
    };
  }

  async myRights(p: ParsedRequestOf<typeof MyRights>): Promise<ResponseOf<typeof MyRights>> {
    const t = await this.target(p, '');
    return { rights: t.target.grant?.rights ?? ALL_RIGHTS, owner: !t.target.grant };
  }

  async shares(accountId: string): Promise<{ shares: Array<{ mailbox: string; identifier: string; rights: string }> }> {
    const rows = await this.acl.sharesOf(this.db, accountId);
    return { shares: rows.map((r) => ({ mailbox: r.mailbox, identifier: r.grantee_address ?? 'anyone', rights: r.rights })) };
  }

  /** Every grant other accounts of its tenant gave the account, `l` or not (the administrator's view). */
  async grantsTo(accountId: string, tenant: string): Promise<ResponseOf<typeof ListSharedWith>> {
    const rows = await this.acl.sharedWith(this.db, accountId, tenant.toLowerCase());
    return { mailboxes: rows.map((r) => ({ owner: r.ownerAddress, mailbox: r.name, name: sharedName(r.ownerAddress, r.name), rights: r.rights })) };
  }

  /** The mailboxes other accounts share with the caller that it may list ("l"), under their shared names. */
  async sharedWith(accountId: string, tenant: string | undefined, subscriptions: ReadonlySet<string>): Promise<MailboxInfo[]> {
    if (!tenant) return [];
    const rows = await this.acl.sharedWith(this.db, accountId, tenant.toLowerCase());
    return rows
      .filter((r) => r.rights.includes('l'))
      .map((r) => {
        const name = sharedName(r.ownerAddress, r.name);
        return asSeenBy({ ...toMailboxInfo(r), name, subscribed: subscriptions.has(name) }, { grant: r });
      });
  }
}
