import { ContractError, METADATA_LIMITS } from '@mail/contracts';
import type { Database } from '@mail/db';
import type { ChangePublisher } from './change-publisher.js';
import type { MailboxService } from './mailbox.service.js';
import type { MetadataRepository } from './metadata.repository.js';
import { SHARED_PREFIX, type SharedAccess } from './shared-access.js';

const SHARED_ENTRY = '/shared';

/**
 * METADATA annotations (RFC 5464). The server's annotations are kept per account: with no way for
 * one user to see another's here (no ACL yet), a /shared server entry is the account's too, and
 * nothing a user writes can reach another tenant.
 */
export class MetadataService {
  constructor(
    private readonly db: Database,
    private readonly mailboxes: MailboxService,
    private readonly metadata: MetadataRepository,
    private readonly shared?: SharedAccess,
    private readonly events?: ChangePublisher,
  ) {}

  private async target(accountId: string, mailbox: string): Promise<string | null> {
    if (mailbox === '') {
      await this.mailboxes.resolve(this.db, accountId, 'INBOX'); // the account's row exists
      return null;
    }
    return (await this.mailboxes.resolve(this.db, accountId, mailbox)).id;
  }

  /**
   * A mailbox shared with the caller (ADR 0065): its /shared entries are the owner's, read with "l"
   * and "r" and written with "w" besides (RFC 5464 3.4 with RFC 4314 rights). /private entries are
   * per user: the caller's own, kept apart from the owner's (mail.metadata_private, ADR 0072),
   * read and written with "l" and "r". Null: the caller's own mailbox (or the server).
   */
  private async sharedTarget(accountId: string, tenant: string | undefined, mailbox: string, need: string): Promise<{ ownerId: string; mailboxId: string } | null> {
    if (!this.shared || mailbox === '' || !mailbox.startsWith(SHARED_PREFIX)) return null;
    const t = await this.shared.byName({ accountId, tenant }, mailbox, need);
    if (!t.grant) return null;
    return { ownerId: t.accountId, mailboxId: (await this.mailboxes.resolve(this.db, t.accountId, t.name)).id };
  }

  async get(accountId: string, mailbox: string, entries: string[], depth: '0' | '1' | 'infinity', tenant?: string): Promise<{ entries: Array<[string, string]> }> {
    const shared = await this.sharedTarget(accountId, tenant, mailbox, 'lr');
    if (shared) {
      const asked = entries.filter(isShared);
      const own = entries.filter((e) => !isShared(e));
      const found = [
        ...(asked.length ? await this.metadata.get(this.db, shared.ownerId, shared.mailboxId, asked, depth) : []),
        ...(own.length ? await this.metadata.getPrivate(this.db, accountId, shared.mailboxId, own, depth) : []),
      ];
      return { entries: found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
    }
    const mailboxId = await this.target(accountId, mailbox);
    return { entries: await this.metadata.get(this.db, accountId, mailboxId, entries, depth) };
  }

  /** All or none; a value above the size limit is INVALID, one entry too many OVER_QUOTA (RFC 5464 4.3 MAXSIZE, TOOMANY). */
  async set(accountId: string, mailbox: string, values: Array<[string, string | null]>, tenant?: string): Promise<{ ok: true }> {
    for (const [, value] of values) {
      if (value !== null && Buffer.byteLength(value) > METADATA_LIMITS.maxValueBytes) throw new ContractError('INVALID', `annotation above ${METADATA_LIMITS.maxValueBytes} bytes`);
      if (value !== null && value.includes('\0')) throw new ContractError('INVALID', 'annotation value with a NUL');
    }
    // a grantee's own /private entries need what reading does; /shared ones "w" besides (ADR 0072)
    const shared = await this.sharedTarget(accountId, tenant, mailbox, values.some(([e]) => isShared(e)) ? 'lrw' : 'lr');
    if (shared) return this.setShared(accountId, shared, values);
    const mailboxId = await this.target(accountId, mailbox);
    await this.db.transaction(async (tx) => {
      for (const [entry, value] of values) {
        if (value === null) await this.metadata.remove(tx, accountId, mailboxId, entry);
        else await this.metadata.set(tx, accountId, mailboxId, entry, value);
      }
      if ((await this.metadata.count(tx, accountId, mailboxId)) > METADATA_LIMITS.maxEntries) tooMany();
    });
    // NOTIFY's MailboxMetadataChange/ServerMetadataChange (ADR 0072): names only, after the commit
    if (this.events) await this.publish(this.events, accountId, mailboxId, values);
    return { ok: true };
  }

  /**
   * On a shared mailbox: /shared entries are the owner's (counted against the owner's limit),
   * /private ones the caller's own (counted per caller and mailbox); all or none. Only the /shared
   * ones are news to others (MetadataChanged on the owner's account).
   */
  private async setShared(callerId: string, t: { ownerId: string; mailboxId: string }, values: Array<[string, string | null]>): Promise<{ ok: true }> {
    await this.db.transaction(async (tx) => {
      for (const [entry, value] of values) {
        if (isShared(entry)) {
          if (value === null) await this.metadata.remove(tx, t.ownerId, t.mailboxId, entry);
          else await this.metadata.set(tx, t.ownerId, t.mailboxId, entry, value);
        } else if (value === null) await this.metadata.removePrivate(tx, callerId, t.mailboxId, entry);
        else await this.metadata.setPrivate(tx, callerId, t.mailboxId, entry, value);
      }
      if ((await this.metadata.count(tx, t.ownerId, t.mailboxId)) > METADATA_LIMITS.maxEntries) tooMany();
      if ((await this.metadata.countPrivate(tx, callerId, t.mailboxId)) > METADATA_LIMITS.maxEntries) tooMany();
    });
    const news = values.filter(([e]) => isShared(e));
    if (this.events && news.length) await this.publish(this.events, t.ownerId, t.mailboxId, news);
    return { ok: true };
  }

  /** the owner's name of the mailbox (a grantee wrote through `Shared/<owner>/...`); a mailbox gone since is nobody's news */
  private async publish(events: ChangePublisher, ownerId: string, mailboxId: string | null, values: Array<[string, string | null]>): Promise<void> {
    let name = '';
    if (mailboxId !== null) {
      try {
        name = (await this.mailboxes.byId(this.db, ownerId, mailboxId)).name;
      } catch {
        return;
      }
    }
    await events.publishMetadata({ accountId: ownerId, mailboxId, mailbox: name, entries: [...new Set(values.map(([e]) => e))] });
  }
}

function isShared(entry: string): boolean {
  return entry === SHARED_ENTRY || entry.startsWith(`${SHARED_ENTRY}/`);
}

function tooMany(): never {
  throw new ContractError('OVER_QUOTA', `more than ${METADATA_LIMITS.maxEntries} annotations`);
}
