import type {
  GetAccountUsage,
  FetchMessages,
  ListMailboxes,
  MailboxChanges,
  MailboxStatus,
  MessageSortKeys,
  OpenMailbox,
  ParsedRequestOf,
  ResponseOf,
  SearchMessages,
  VanishedMessages,
} from '@mail/contracts';
import type { AclService } from './acl.service.js';
import type { MailboxService } from './mailbox.service.js';
import type { MessageService } from './message.service.js';
import { asSeenBy, recentModeFor, type SharedAccess } from './shared-access.js';
import type { SortKeysService } from './sort-keys.service.js';

/** RFC 4314 rights a read needs (RFC 4314 4) */
export const READ_RIGHT = 'r';

/**
 * The store's read model (ADR 0057): the requests that change no message, each behind the same
 * rights check as every store request (SharedAccess, ADR 0044), one method per contract and named
 * for it. The store answers them on the bus; `access` composes this class in its own process and
 * calls it directly (no bus hop), on the same PostgreSQL. What these methods may write is the
 * \Recent watermark (a SELECT's claim) and an account's default mailboxes the first time it is seen;
 * neither is a change other sessions are told about.
 */
export class StoreReads {
  constructor(
    private readonly shared: SharedAccess,
    private readonly acl: AclService,
    private readonly mailboxes: MailboxService,
    private readonly messages: MessageService,
    private readonly sortKeys: SortKeysService,
  ) {}

  async listMailboxes(p: ParsedRequestOf<typeof ListMailboxes>): Promise<ResponseOf<typeof ListMailboxes>> {
    const own = await this.mailboxes.list(p.accountId);
    const shared = await this.acl.sharedWith(p.accountId, p.tenant, new Set(own.subscriptions));
    return shared.length ? { ...own, mailboxes: [...own.mailboxes, ...shared] } : own;
  }

  async mailboxStatus(p: ParsedRequestOf<typeof MailboxStatus>): Promise<ResponseOf<typeof MailboxStatus>> {
    const t = await this.shared.byName(p, p.name, READ_RIGHT);
    return asSeenBy(await this.mailboxes.status(t.accountId, t.name, p.deleted), t);
  }

  async openMailbox(p: ParsedRequestOf<typeof OpenMailbox>): Promise<ResponseOf<typeof OpenMailbox>> {
    const t = await this.shared.byName(p, p.name, READ_RIGHT);
    const page = await this.mailboxes.open(t.accountId, t.name, p.afterUid, p.limit, recentModeFor(t.grant, p.recent));
    return t.grant ? { ...page, mailbox: asSeenBy(page.mailbox, t) } : page;
  }

  mailboxChanges(p: ParsedRequestOf<typeof MailboxChanges>): Promise<ResponseOf<typeof MailboxChanges>> {
    return this.shared.byId(p, p.mailboxId, READ_RIGHT, (accountId, grant) => this.mailboxes.changes(accountId, p.mailboxId, p.sinceModseq, recentModeFor(grant, p.recent)));
  }

  vanishedMessages(p: ParsedRequestOf<typeof VanishedMessages>): Promise<ResponseOf<typeof VanishedMessages>> {
    return this.shared.byId(p, p.mailboxId, READ_RIGHT, (accountId) => this.mailboxes.vanished(accountId, p.mailboxId, p.sinceModseq, p.uids));
  }

  fetchMessages(p: ParsedRequestOf<typeof FetchMessages>): Promise<ResponseOf<typeof FetchMessages>> {
    return this.shared.byId(p, p.mailboxId, READ_RIGHT, (accountId) => this.messages.fetch({ ...p, accountId }));
  }

  searchMessages(p: ParsedRequestOf<typeof SearchMessages>): Promise<ResponseOf<typeof SearchMessages>> {
    return this.shared.byId(p, p.mailboxId, READ_RIGHT, (accountId) => this.messages.search({ ...p, accountId }));
  }

  messageSortKeys(p: ParsedRequestOf<typeof MessageSortKeys>): Promise<ResponseOf<typeof MessageSortKeys>> {
    return this.shared.byId(p, p.mailboxId, READ_RIGHT, (accountId) => this.sortKeys.sortKeys({ ...p, accountId }));
  }

  /** the caller's own accounts' kept counters (quota usage); no mailbox is named, no rights apply */
  accountUsage(p: ParsedRequestOf<typeof GetAccountUsage>): Promise<ResponseOf<typeof GetAccountUsage>> {
    return this.mailboxes.usage(p.accountIds);
  }
}
