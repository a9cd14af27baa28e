import { ContractError, type MailboxInfo, type MessageState, type RecentMode, type RecentRange } from '@mail/contracts';
import { GroupCommit, type Database, type Queryable } from '@mail/db';
import type { BlobCollector } from './blob-collector.js';
import type { ChangePublisher, MailboxChange } from './change-publisher.js';
import type { IndexRepository } from './index.repository.js';
import { DELIMITER, isInbox, normalizeMailboxName, parentNames } from './mailbox-name.js';
import type { MailboxRepository, StateAndClaim } from './mailbox.repository.js';
import type { MessageRepository } from './message.repository.js';
import { toMailboxInfo, type MailboxRow } from './store.records.js';
import type { StoreSettings } from './store.config.js';
import { mergeRanges } from './uid-ranges.js';
import { DELETED } from './flags.js';
import { toRanges } from '@mail/imap-protocol';

/** UIDs read for one VANISHED answer; past it the answer says incomplete (the session reports what it cannot see) */
const VANISHED_LIMIT = 200_000;
/** the contract's cap on UID ranges */
const MAX_RANGES = 10_000;

/** Replies stay under the bus payload limit (NATS: 1 MiB by default), whatever `limit` says. */
export const REPLY_BUDGET_BYTES = 800_000;

export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}

/** Mailboxes of an account: hierarchy, subscriptions, status, and reading a mailbox's message list. */
export class MailboxService {
  /**
   * IDLE arrivals' \Recent claims, gathered into one statement (ADR 0071): an append batch's change
   * events wake its mailboxes' IMAP4rev1 sessions in the same turn, and each asks for its claim
   */
  private readonly claims = new GroupCommit<{ accountId: string; mailboxId: string }, StateAndClaim | null>((items) => this.mailboxes.stateAndClaimMany(this.db, items), 100, true);

  constructor(
    private readonly db: Database,
    private readonly mailboxes: MailboxRepository,
    private readonly messages: MessageRepository,
    private readonly indexes: IndexRepository,
    private readonly collector: BlobCollector,
    private readonly events: ChangePublisher,
    private readonly settings: StoreSettings,
  ) {}

  /** By name, creating the account's default mailboxes the first time the account is seen. */
  async resolve(q: Queryable, accountId: string, rawName: string): Promise<MailboxRow> {
    const name = normalizeMailboxName(rawName);
    let row = await this.mailboxes.byName(q, accountId, name);
    if (!row) {
      await this.mailboxes.ensureAccount(q, accountId);
      row = await this.mailboxes.byName(q, accountId, name);
    }
    if (!row) throw new ContractError('NOT_FOUND', `no mailbox "${name}"`);
    return row;
  }

  /** By id, scoped to the account: another account's mailbox id is NOT_FOUND, never someone else's data. */
  async byId(q: Queryable, accountId: string, mailboxId: string, lock = false): Promise<MailboxRow> {
    const row = await this.mailboxes.byId(q, accountId, mailboxId, lock);
    if (!row) throw new ContractError('NOT_FOUND', 'no such mailbox');
    return row;
  }

  async list(accountId: string): Promise<{ mailboxes: MailboxInfo[]; subscriptions: string[] }> {
    let rows = await this.mailboxes.list(this.db, accountId);
    if (!rows.some((r) => isInbox(r.name))) {
      await this.mailboxes.ensureAccount(this.db, accountId);
      rows = await this.mailboxes.list(this.db, accountId);
    }
    const [subscriptions, recent] = await Promise.all([this.mailboxes.subscriptions(this.db, accountId), this.unclaimed(rows)]);
    return { mailboxes: rows.map((r) => ({ ...toMailboxInfo(r), recent: recent.get(r.id) ?? 0 })), subscriptions };
  }

  async status(accountId: string, name: string, countDeleted = false): Promise<MailboxInfo> {
    const row = await this.resolve(this.db, accountId, name);
    const info: MailboxInfo = { ...toMailboxInfo(row), recent: (await this.unclaimed([row])).get(row.id) ?? 0 };
    // not a kept counter: one pass over the mailbox's rows, only for a STATUS that asks
    if (countDeleted) info.deleted = await this.messages.countFlagged(this.db, row.id, DELETED);
    return info;
  }

  /** Unclaimed \Recent counts, asking the database only about mailboxes whose watermark is behind. */
  private async unclaimed(rows: MailboxRow[]): Promise<Map<string, number>> {
    const behind = rows.filter((r) => Number(r.recent_uid) < Number(r.uid_next) - 1);
    if (!behind.length) return new Map();
    return this.mailboxes.unclaimedCounts(this.db, behind[0].account_id, behind.map((r) => r.id));
  }

  /**
   * \Recent claimed right after the caller's own append (ADR 0034): an IMAP4rev1 session appending
   * to its selected mailbox learns its share in the append's answer instead of asking for changes.
   */
  async claimAfterAppend(accountId: string, mailboxId: string): Promise<RecentRange> {
    return this.mailboxes.claimRecent(this.db, accountId, mailboxId);
  }

  /** \Recent for a session: claimed (read-write), or only looked at (read-only); nothing to claim costs no write. */
  private async recent(row: MailboxRow, mode: RecentMode | undefined): Promise<RecentRange | undefined> {
    if (!mode) return undefined;
    const watermark = Number(row.recent_uid);
    const last = Number(row.uid_next) - 1;
    if (mode === 'peek' || watermark >= last) return { after: watermark, upTo: mode === 'peek' ? last : watermark };
    return this.mailboxes.claimRecent(this.db, row.account_id, row.id);
  }

  /** Superior names are created too (RFC 3501 CREATE "SHOULD create any superior hierarchical names"). */
  async create(accountId: string, rawName: string, specialUse: string | null, subscribed = true): Promise<MailboxInfo> {
    const name = normalizeMailboxName(rawName);
    await this.mailboxes.ensureAccount(this.db, accountId);
    const created = await this.db.transaction(async (tx) => {
      const rows: MailboxRow[] = [];
      for (const parent of parentNames(name)) {
        const row = await this.mailboxes.create(tx, accountId, parent, null, subscribed);
        if (row) rows.push(row);
      }
      const row = await this.mailboxes.create(tx, accountId, name, specialUse, subscribed);
      if (!row) throw new ContractError('CONFLICT', `mailbox "${name}" exists`);
      rows.push(row);
      return rows;
    });
    await this.events.publish(created.map((r) => change(r, 'created')));
    return toMailboxInfo(created[created.length - 1]);
  }

  /**
   * Deletes a mailbox and its messages; its subscription stays (RFC 3501 6.3.4, 6.3.6). Simplification of RFC 3501: a mailbox with inferiors is
   * refused (INVALID) instead of becoming \Noselect, since this store has no \Noselect mailboxes.
   */
  async delete(accountId: string, rawName: string): Promise<{ deleted: true }> {
    const name = normalizeMailboxName(rawName);
    if (isInbox(name)) throw new ContractError('INVALID', 'INBOX cannot be deleted');
    const { row, blobKeys } = await this.db.transaction(async (tx) => {
      const found = await this.mailboxes.byName(tx, accountId, name);
      if (!found) throw new ContractError('NOT_FOUND', `no mailbox "${name}"`);
      // lock first: appends and copies into it wait, then find it gone
      const row = await this.byId(tx, accountId, found.id, true);
      if (await this.mailboxes.hasChildren(tx, accountId, name)) {
        throw new ContractError('INVALID', `mailbox "${name}" has inferior mailboxes; delete them first`);
      }
      const freed = await this.indexes.releaseMailbox(tx, row.id);
      await this.mailboxes.delete(tx, row.id);
      return { row, blobKeys: await this.indexes.collect(tx, freed, this.settings.blobGraceSeconds) };
    });
    await this.collector.deleteBlobs(blobKeys);
    await this.events.publish([change(row, 'deleted')]);
    return { deleted: true };
  }

  /**
   * Renames a mailbox with its inferiors; UIDVALIDITY is kept. Simplification of RFC 3501: renaming
   * INBOX (which would move its messages to the new name) is refused with INVALID.
   */
  async rename(accountId: string, rawName: string, rawNewName: string): Promise<MailboxInfo> {
    const from = normalizeMailboxName(rawName);
    const to = normalizeMailboxName(rawNewName);
    if (isInbox(from)) throw new ContractError('INVALID', 'renaming INBOX is not supported');
    if (to === from) return this.status(accountId, from);
    if (to.startsWith(from + DELIMITER)) throw new ContractError('INVALID', 'a mailbox cannot be renamed under itself');
    const renamed = await this.db
      .transaction(async (tx) => {
        const found = await this.mailboxes.byName(tx, accountId, from);
        if (!found) throw new ContractError('NOT_FOUND', `no mailbox "${from}"`);
        await this.byId(tx, accountId, found.id, true);
        if (await this.mailboxes.byName(tx, accountId, to)) throw new ContractError('CONFLICT', `mailbox "${to}" exists`);
        const created: MailboxRow[] = [];
        for (const parent of parentNames(to)) {
          const row = await this.mailboxes.create(tx, accountId, parent, null);
          if (row) created.push(row);
        }
        return { created, renamed: await this.mailboxes.renameTree(tx, accountId, from, to) };
      })
      .catch((err) => {
        if (isUniqueViolation(err)) throw new ContractError('CONFLICT', `a mailbox under "${to}" exists`);
        throw err;
      });
    await this.events.publish([...renamed.created.map((r) => change(r, 'created')), ...renamed.renamed.map((r) => ({ ...change(r, 'renamed'), oldName: from + r.name.slice(to.length) }))]);
    const top = renamed.renamed.find((r) => r.name === to);
    if (!top) throw new ContractError('INTERNAL', 'renamed mailbox vanished');
    return toMailboxInfo(top);
  }

  /**
   * SUBSCRIBE/UNSUBSCRIBE: the list is the client's (RFC 3501 6.3.6), so a name without a mailbox
   * may be subscribed, and unsubscribing a name that is not on the list is not an error.
   */
  async subscribe(accountId: string, rawName: string, subscribed: boolean): Promise<{ subscribed: boolean }> {
    const name = normalizeMailboxName(rawName);
    await this.mailboxes.ensureAccount(this.db, accountId);
    await this.mailboxes.setSubscribed(this.db, accountId, name, subscribed);
    await this.events.publishSubscription({ accountId, name, subscribed });
    return { subscribed };
  }

  /**
   * The mailbox and one page of its messages. The mailbox row is read first: anything that changes
   * after it has a higher modseq, so MailboxChanges(since its highestModseq) after the last page
   * catches up on whatever happened while paging.
   */
  async open(
    accountId: string,
    rawName: string,
    afterUid: number,
    limit: number,
    recentMode?: RecentMode,
  ): Promise<{ mailbox: MailboxInfo; messages: MessageState[]; more: boolean; recent?: RecentRange }> {
    const row = await this.resolve(this.db, accountId, rawName);
    // claimed before the messages are read: whatever it took is in the pages (or was expunged)
    const recent = afterUid === 0 ? await this.recent(row, recentMode) : undefined;
    const rows = await this.messages.states(this.db, row.id, afterUid, limit + 1);
    let more = rows.length > limit;
    if (more) rows.length = limit;
    let bytes = 0;
    for (let i = 0; i < rows.length; i++) {
      bytes += stateBytes(rows[i]);
      if (bytes > REPLY_BUDGET_BYTES && i > 0) {
        rows.length = i;
        more = true;
        break;
      }
    }
    return { mailbox: toMailboxInfo(row), messages: rows, more, recent };
  }

  async changes(accountId: string, mailboxId: string, sinceModseq: number, recentMode?: RecentMode) {
    // a claim comes with the row in one statement (an IMAP4rev1 session's IDLE arrival: ADR 0034)
    const claimed = recentMode === 'claim' ? await this.claims.add({ accountId, mailboxId }) : undefined;
    if (claimed === null) throw new ContractError('NOT_FOUND', 'no such mailbox');
    const row = claimed?.row ?? (await this.byId(this.db, accountId, mailboxId));
    // every change to a message or an expunge raises the mailbox's highest_modseq in its own
    // transaction: at or below sinceModseq there is nothing to look for (an IDLE session's \Recent
    // claim after an arrival it took from the event, a NOOP with nothing new); a change committed
    // after the row was read publishes its own event, which asks again
    const current = Number(row.highest_modseq) <= sinceModseq;
    const [changed, expunged, recent] = await Promise.all([
      current ? [] : this.messages.changedSince(this.db, row.id, sinceModseq),
      current ? [] : this.messages.expungedSince(this.db, row.id, sinceModseq),
      claimed ? claimed.recent : this.recent(row, recentMode),
    ]);
    return { changed, expunged, highestModseq: Number(row.highest_modseq), uidNext: Number(row.uid_next), recent, vanishedFloor: Number(row.vanished_floor) };
  }

  /** The UIDs expunged since a MODSEQ (QRESYNC), compact, and whether the tombstones reach back that far. */
  async vanished(accountId: string, mailboxId: string, sinceModseq: number, uids?: [number, number][]): Promise<{ uids: [number, number][]; complete: boolean }> {
    const row = await this.byId(this.db, accountId, mailboxId);
    const found = await this.messages.vanishedSince(this.db, row.id, sinceModseq, uids ? mergeRanges(uids) : null, VANISHED_LIMIT + 1);
    const ranges = toRanges(found);
    const complete = sinceModseq >= Number(row.vanished_floor) && found.length <= VANISHED_LIMIT && ranges.length <= MAX_RANGES;
    return { uids: ranges.slice(0, MAX_RANGES), complete };
  }

  /** Deletes everything the account has; blobs nobody else references go too. */
  /** What the accounts hold across their mailboxes (GetAccountUsage). */
  async usage(accountIds: string[]): Promise<{ accounts: Array<{ accountId: string; bytes: number; messages: number }> }> {
    return { accounts: await this.mailboxes.usages(this.db, accountIds) };
  }

  async purge(accountId: string): Promise<{ messages: number }> {
    const { rows, count, blobKeys } = await this.db.transaction(async (tx) => {
      const rows = await this.mailboxes.list(tx, accountId);
      const freed: number[] = [];
      let count = 0;
      for (const row of rows) {
        const locked = await this.mailboxes.byId(tx, accountId, row.id, true);
        if (!locked) continue;
        count += Number(locked.message_count);
        freed.push(...(await this.indexes.releaseMailbox(tx, row.id)));
      }
      await this.mailboxes.deleteAccount(tx, accountId);
      return { rows, count, blobKeys: await this.indexes.collect(tx, freed, this.settings.blobGraceSeconds) };
    });
    await this.collector.deleteBlobs(blobKeys);
    await this.events.publish(rows.map((r) => change(r, 'deleted')));
    return { messages: count };
  }
}

export function change(row: Pick<MailboxRow, 'account_id' | 'id' | 'name' | 'highest_modseq'>, kind: MailboxChange['kind'], uids: number[] = [], modseq = Number(row.highest_modseq)): MailboxChange {
  return { accountId: row.account_id, mailboxId: row.id, mailbox: row.name, kind, uids, modseq };
}

function stateBytes(s: MessageState): number {
  let n = 32;
  for (const f of s.flags) n += f.length + 4;
  return n;
}
