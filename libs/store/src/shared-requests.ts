import {
  ContractError,
  type AppendAll,
  type AppendMessage,
  type CopyMessages,
  type CreateMailbox,
  type DeleteMailbox,
  type ExpungeMessages,
  type ParsedRequestOf,
  type RenameMailbox,
  type ResponseOf,
  type UpdateFlags,
} from '@mail/contracts';
import type { Database } from '@mail/db';
import type { AclRepository } from './acl.repository.js';
import type { AppendService } from './append.service.js';
import { DELIMITER, normalizeMailboxName } from './mailbox-name.js';
import type { MailboxRepository } from './mailbox.repository.js';
import type { MailboxService } from './mailbox.service.js';
import type { MessageService } from './message.service.js';
import { READ_RIGHT } from './store-reads.js';
import { asSeenBy, parseSharedName, permittedFlags, SHARED_PREFIX, type SharedAccess } from './shared-access.js';

/** RFC 4314 rights each operation needs (RFC 4314 4) */
const NEED = { read: READ_RIGHT, insert: 'i', expunge: 'e', deleteMailbox: 'x', createChild: 'k', move: 'rte' } as const;

/**
 * The store's requests that change mailboxes or messages (the reads are StoreReads), as a caller
 * makes them: on its own mailboxes exactly as before, on a mailbox shared with it through
 * SharedAccess, which checks the rights and runs the operation as the owner (ADR 0044).
 */
export class SharedRequests {
  constructor(
    private readonly db: Database,
    private readonly shared: SharedAccess,
    private readonly aclRows: AclRepository,
    private readonly mailboxRows: MailboxRepository,
    private readonly mailboxes: MailboxService,
    private readonly messages: MessageService,
    private readonly appends: AppendService,
  ) {}

  /**
   * CREATE under a mailbox shared with the caller needs "k" on the parent; the new mailbox is the
   * owner's and takes the parent's entries. A top-level name in another account's namespace is refused.
   */
  async create(p: ParsedRequestOf<typeof CreateMailbox>): Promise<ResponseOf<typeof CreateMailbox>> {
    const name = normalizeMailboxName(p.name);
    if (!name.startsWith(SHARED_PREFIX) || (await this.mailboxRows.byName(this.db, p.accountId, name))) {
      return this.mailboxes.create(p.accountId, p.name, p.specialUse ?? null, p.subscribed ?? true);
    }
    const parsed = parseSharedName(name);
    const cut = name.lastIndexOf(DELIMITER);
    if (!parsed || !parsed.name.includes(DELIMITER)) throw new ContractError('FORBIDDEN', 'mailboxes are created in your own namespace or under a shared mailbox');
    const parent = await this.shared.byName(p, name.slice(0, cut), NEED.createChild);
    const ownerName = `${parent.name}${DELIMITER}${name.slice(cut + 1)}`;
    const info = await this.mailboxes.create(parent.accountId, ownerName, null, false);
    const parentRow = await this.mailboxRows.byName(this.db, parent.accountId, parent.name);
    if (parentRow) await this.aclRows.inherit(this.db, parentRow.id, info.id);
    return asSeenBy(info, { ...parent, callerName: name });
  }

  async delete(p: ParsedRequestOf<typeof DeleteMailbox>): Promise<ResponseOf<typeof DeleteMailbox>> {
    const t = await this.shared.byName(p, p.name, NEED.deleteMailbox);
    return this.mailboxes.delete(t.accountId, t.name);
  }

  /**
   * RENAME of a shared mailbox (RFC 4314 4, ADR 0065): "x" on it and "k" on the new parent, which
   * must be a mailbox of the same owner shared with the caller (a mailbox never moves between
   * accounts, and the top of an owner's namespace is the owner's alone). Own mailboxes as before.
   */
  async rename(p: ParsedRequestOf<typeof RenameMailbox>): Promise<ResponseOf<typeof RenameMailbox>> {
    const from = await this.shared.byName(p, p.name, NEED.deleteMailbox);
    const to = normalizeMailboxName(p.newName);
    const toShared = to.startsWith(SHARED_PREFIX) && !(await this.mailboxRows.byName(this.db, p.accountId, to));
    if (!from.grant && !toShared) return this.mailboxes.rename(p.accountId, p.name, p.newName);
    const parsed = toShared ? parseSharedName(to) : null;
    if (!from.grant || !parsed || !parsed.name.includes(DELIMITER)) {
      throw new ContractError('FORBIDDEN', 'a shared mailbox is renamed among its owner\'s mailboxes, under a parent where you hold "k"');
    }
    const cut = to.lastIndexOf(DELIMITER);
    const parent = await this.shared.byName(p, to.slice(0, cut), NEED.createChild);
    if (parent.accountId !== from.accountId) throw new ContractError('FORBIDDEN', 'a mailbox stays with its owner');
    const info = await this.mailboxes.rename(from.accountId, from.name, `${parent.name}${DELIMITER}${to.slice(cut + 1)}`);
    return asSeenBy(info, { grant: from.grant, callerName: to });
  }

  updateFlags(p: ParsedRequestOf<typeof UpdateFlags>): Promise<ResponseOf<typeof UpdateFlags>> {
    return this.shared.byId(p, p.mailboxId, '', (accountId, grant) =>
      this.messages.updateFlags({ ...p, accountId, flags: grant ? permittedFlags(grant.rights, p.flags, p.mode) : p.flags }),
    );
  }

  expunge(p: ParsedRequestOf<typeof ExpungeMessages>): Promise<ResponseOf<typeof ExpungeMessages>> {
    return this.shared.byId(p, p.mailboxId, NEED.expunge, (accountId) => this.messages.expunge({ ...p, accountId }));
  }

  /**
   * COPY needs "r" on the source ("rte" for MOVE) and "i" on the target; each may be shared, by
   * different owners. Into a shared target only the flags the caller may set there travel (RFC 4314
   * 4: "s" for \Seen, "t" for \Deleted, "w" for the rest), as APPEND does.
   */
  copy(p: ParsedRequestOf<typeof CopyMessages>): Promise<ResponseOf<typeof CopyMessages>> {
    return this.shared.byId(p, p.mailboxId, p.move ? NEED.move : NEED.read, async (sourceAccountId) => {
      const target = await this.shared.byName(p, p.target, NEED.insert);
      // the caller's quota is not the target owner's: the store's own limit applies there
      const quota = target.accountId === p.accountId ? p.quota : undefined;
      const rights = target.grant?.rights;
      const keep = rights === undefined ? undefined : { seen: rights.includes('s'), deleted: rights.includes('t'), other: rights.includes('w') };
      return this.messages.copy({ ...p, accountId: target.accountId, target: target.name, quota }, sourceAccountId, keep);
    });
  }

  /** APPEND to a shared mailbox needs "i"; flags the caller may not set are left off (RFC 4314 4). */
  async append(p: ParsedRequestOf<typeof AppendMessage>): Promise<ResponseOf<typeof AppendMessage>> {
    let accountId = p.accountId;
    let res: ResponseOf<typeof AppendMessage>;
    const t = p.specialUse || !p.mailbox.startsWith(SHARED_PREFIX) ? null : await this.shared.byName(p, p.mailbox, NEED.insert);
    if (t?.grant) {
      accountId = t.accountId;
      res = await this.appends.append({ ...p, accountId, mailbox: t.name, flags: permittedFlags(t.grant.rights, p.flags, 'append'), quota: undefined });
    } else res = await this.appends.append(p);
    // the session's own APPEND claims \Recent in the same request (ADR 0034), in the append's own
    // statement when it ran alone (AppendService.run), else after it
    return p.recent && !res.duplicate && !res.recent ? { ...res, recent: await this.mailboxes.claimAfterAppend(accountId, res.mailboxId) } : res;
  }

  async appendAll(p: ParsedRequestOf<typeof AppendAll>): Promise<ResponseOf<typeof AppendAll>> {
    let accountId = p.accountId;
    let res: ResponseOf<typeof AppendAll>;
    const t = p.mailbox.startsWith(SHARED_PREFIX) ? await this.shared.byName(p, p.mailbox, NEED.insert) : null;
    if (t?.grant) {
      accountId = t.accountId;
      const rights = t.grant.rights;
      res = await this.appends.appendAll({ ...p, accountId, mailbox: t.name, quota: undefined, messages: p.messages.map((m) => ({ ...m, flags: permittedFlags(rights, m.flags, 'append') })) });
    } else res = await this.appends.appendAll(p);
    const first = res.results[0];
    return p.recent && first ? { ...res, recent: await this.mailboxes.claimAfterAppend(accountId, first.mailboxId) } : res;
  }
}
