import {
  ContractError,
  type AccountQuota,
  type CopyMessages,
  type ExpungeMessages,
  type Envelope,
  type FetchedMessage,
  type FetchMessages,
  type ParsedRequestOf,
  type ResponseOf,
  type SearchMessages,
  type UpdateFlags,
} from '@mail/contracts';
import type { Database, Queryable } from '@mail/db';
import { serializeEnvelope } from '@mail/imap-protocol';
import type { BlobCollector } from './blob-collector.js';
import type { ChangePublisher, MailboxChange } from './change-publisher.js';
import { normalizeFlags } from './flags.js';
import type { IndexRepository } from './index.repository.js';
import type { MailboxRepository } from './mailbox.repository.js';
import { change, REPLY_BUDGET_BYTES, type MailboxService } from './mailbox.service.js';
import type { FetchedRow, MessageRepository } from './message.repository.js';
import { EmailIds, ThreadIds, emailSearchIds } from './object-ids.js';
import { compileSearch } from './search-sql.js';
import { effectiveLimits, quotaProblem } from './quota-check.js';
import type { StoreSettings } from './store.config.js';
import { MAX_UID, mergeRanges } from './uid-ranges.js';


/** Messages inside a mailbox: FETCH, SEARCH, STORE, EXPUNGE, COPY/MOVE. */
export class MessageService {
  constructor(
    private readonly db: Database,
    private readonly mailboxService: MailboxService,
    private readonly mailboxes: MailboxRepository,
    private readonly messages: MessageRepository,
    private readonly indexes: IndexRepository,
    private readonly collector: BlobCollector,
    private readonly events: ChangePublisher,
    private readonly settings: StoreSettings,
  ) {}

  /**
   * One page in uid order. `more` means the caller should ask again for the uids above the last
   * one returned: the page stops at `limit` or earlier when the reply would outgrow the bus.
   */
  async fetch(p: ParsedRequestOf<typeof FetchMessages>): Promise<ResponseOf<typeof FetchMessages>> {
    const mailbox = await this.mailboxService.byId(this.db, p.accountId, p.mailboxId);
    const ranges = mergeRanges(p.uids);
    if (!ranges.length) return { messages: [], more: false };
    // With envelopes or body structures a page fills the reply budget long before `limit` rows
    // (~2,000 envelopes): reading `limit` rows from the database would mostly be thrown away.
    const wide = p.envelope || p.imapEnvelope || p.bodyStructure;
    const limit = wide ? Math.min(p.limit, WIDE_PAGE_ROWS) : p.limit;
    const objectIds = p.objectIds === true;
    const rows = await this.messages.fetch(this.db, mailbox.id, ranges, limit + 1, { envelope: p.envelope, imapEnvelope: p.imapEnvelope, body: p.bodyStructure, bodyRefs: p.bodyRefs, indexId: objectIds, saveDate: p.saveDate === true });
    // a shared mailbox's messages carry its owner's EMAILIDs, whoever reads them
    const emailIds = objectIds ? new EmailIds(mailbox.account_id) : null;
    const threadIds = objectIds ? new ThreadIds(mailbox.account_id) : null;
    let more = rows.length > limit;
    if (more) rows.length = limit;
    const out: FetchedMessage[] = [];
    let bytes = 0;
    for (const row of rows) {
      // measured from the database's own JSON text, not by serialising every message twice
      bytes +=
        ROW_OVERHEAD_BYTES +
        (row.blob_key?.length ?? 0) +
        (row.envelope?.length ?? 0) +
        (row.envelope_imap?.length ?? 0) +
        (row.body?.length ?? 0) +
        row.flags.reduce((n, f) => n + f.length + 3, 0);
      if (bytes > REPLY_BUDGET_BYTES && out.length > 0) {
        more = true;
        break;
      }
      const m = toFetched(row, p);
      if (emailIds && row.index_id != null) m.emailId = emailIds.of(row.index_id);
      if (threadIds && row.thread_id != null) m.threadId = threadIds.of(row.thread_id);
      if (row.save_date != null) m.saveDate = new Date(row.save_date).toISOString();
      out.push(m);
    }
    return { messages: out, more };
  }

  async search(p: ParsedRequestOf<typeof SearchMessages>): Promise<ResponseOf<typeof SearchMessages>> {
    const mailbox = await this.mailboxService.byId(this.db, p.accountId, p.mailboxId);
    const compiled = compileSearch(p.criteria, 2, emailSearchIds(mailbox.account_id));
    const uids = await this.messages.search(this.db, mailbox.id, compiled);
    return { uids, highestModseq: Number(mailbox.highest_modseq) };
  }

  /**
   * One new modseq for the whole command; only rows whose flags really change get it. One statement
   * (no transaction around it): the everyday STORE costs one round trip to PostgreSQL.
   */
  async updateFlags(p: ParsedRequestOf<typeof UpdateFlags>): Promise<ResponseOf<typeof UpdateFlags>> {
    const ranges = mergeRanges(p.uids);
    if (!ranges.length) {
      await this.mailboxService.byId(this.db, p.accountId, p.mailboxId);
      return { updated: [], conflicts: [] };
    }
    const r = await this.messages.updateFlags(this.db, p.accountId, p.mailboxId, ranges, p.mode, normalizeFlags(p.flags), p.unchangedSince ?? null);
    if (!r.mailbox) throw new ContractError('NOT_FOUND', 'no such mailbox');
    const updated = r.updated.map((u) => ({ uid: u.uid, modseq: u.modseq, flags: u.flags }));
    if (updated.length) {
      // the new flags ride along (up to the contract's 1,000), so that other sessions need not ask the store for them
      const changed = updated.length <= 1000 ? updated : undefined;
      await this.events.publish([{ accountId: p.accountId, mailboxId: p.mailboxId, mailbox: r.mailbox.name, kind: 'flags', uids: updated.map((u) => u.uid), modseq: updated[0].modseq, changed }]);
    }
    return { updated, conflicts: r.conflicts };
  }

  /**
   * EXPUNGE in one statement (ADR 0074), no transaction around it; the index rows it freed that are
   * past the grace period are deleted after its commit (a crash in between leaves them to the sweep).
   */
  async expunge(p: ParsedRequestOf<typeof ExpungeMessages>): Promise<ResponseOf<typeof ExpungeMessages>> {
    const ranges = p.uids ? mergeRanges(p.uids) : [[1, MAX_UID] as [number, number]];
    if (!ranges.length) return this.expungeInTransaction(p, ranges);
    const r = await this.messages.expunge(this.db, p.accountId, p.mailboxId, ranges, p.onlyDeleted, this.settings.blobGraceSeconds);
    if (!r.mailbox) throw new ContractError('NOT_FOUND', 'no such mailbox');
    if (!r.uids.length) return { expunged: [], highestModseq: r.mailbox.highestModseq };
    const blobKeys = r.collectable.length ? await this.indexes.collect(this.db, r.collectable, this.settings.blobGraceSeconds) : [];
    await this.collector.deleteBlobs(blobKeys);
    await this.events.publish([{ accountId: p.accountId, mailboxId: p.mailboxId, mailbox: r.mailbox.name, kind: 'expunged', uids: r.uids, modseq: r.modseq }]);
    return { expunged: r.uids, highestModseq: r.modseq };
  }

  /** an EXPUNGE naming no UIDs: the mailbox is checked (NOT_FOUND) under its lock, nothing removed */
  private async expungeInTransaction(p: ParsedRequestOf<typeof ExpungeMessages>, ranges: [number, number][]): Promise<ResponseOf<typeof ExpungeMessages>> {
    const { mailbox, removed, modseq, blobKeys } = await this.db.transaction(async (tx) => {
      const mailbox = await this.mailboxService.byId(tx, p.accountId, p.mailboxId, true);
      const modseq = Number(mailbox.highest_modseq) + 1;
      if (!ranges.length) return { mailbox, removed: [], modseq: modseq - 1, blobKeys: [] };
      const r = await this.messages.remove(tx, mailbox.id, ranges, p.onlyDeleted, modseq);
      if (!r.uids.length) return { mailbox, removed: [], modseq: modseq - 1, blobKeys: [] };
      await this.mailboxes.applyDelta(tx, mailbox.id, { messages: -r.uids.length, unseen: -r.unseen, bytes: -r.bytes, modseq });
      return { mailbox, removed: r.uids, modseq, blobKeys: await this.indexes.collect(tx, r.freed, this.settings.blobGraceSeconds) };
    });
    await this.collector.deleteBlobs(blobKeys);
    if (removed.length) await this.events.publish([change(mailbox, 'expunged', removed, modseq)]);
    return { expunged: removed, highestModseq: modseq };
  }

  /**
   * COPY and MOVE (RFC 6851): new uids in the target in source uid order, one new modseq there;
   * the copies share the source's index row (one more reference each, no new blob). MOVE expunges
   * the sources in the same transaction, so no client ever sees the message twice or nowhere.
   */
  async copy(p: ParsedRequestOf<typeof CopyMessages>, sourceAccountId = p.accountId, keepFlags?: { seen: boolean; deleted: boolean; other: boolean }): Promise<ResponseOf<typeof CopyMessages>> {
    const ranges = mergeRanges(p.uids);
    const targetRef = await this.mailboxService.resolve(this.db, p.accountId, p.target);
    const outcome = await this.db.transaction(async (tx) => {
      // the source may be another account's, shared with the caller (ADR 0044): the target's account is p.accountId
      const locked = await this.mailboxes.lockMany(tx, [...new Set([p.accountId, sourceAccountId])], [p.mailboxId, targetRef.id]);
      const source = locked.find((r) => r.id === p.mailboxId);
      const target = locked.find((r) => r.id === targetRef.id);
      if (!source) throw new ContractError('NOT_FOUND', 'no such mailbox');
      if (!target) throw new ContractError('NOT_FOUND', `no mailbox "${targetRef.name}"`);
      if (!ranges.length) return { source, target, mapping: [] as [number, number][], targetModseq: 0, sourceModseq: 0, blobKeys: [] as string[] };
      // a MOVE within the account adds nothing to it, so only COPY is held to the quota
      if (!p.move) await this.checkQuota(tx, p.accountId, source.id, ranges, p.quota);

      const firstUid = Number(target.uid_next);
      const targetModseq = Number(target.highest_modseq) + 1;
      const copied = await this.messages.copy(tx, source.id, ranges, target.id, firstUid, targetModseq, keepFlags);
      const n = copied.mapping.length;
      if (!n) return { source, target, mapping: [], targetModseq: 0, sourceModseq: 0, blobKeys: [] };
      await this.mailboxes.applyDelta(tx, target.id, { messages: n, unseen: copied.unseen, bytes: copied.bytes, uidNext: firstUid + n, modseq: targetModseq });
      if (!p.move) return { source, target, mapping: copied.mapping, targetModseq, sourceModseq: 0, blobKeys: [] };

      // MOVE within one mailbox: the expunge must come after the copy's modseq
      const sourceModseq = source.id === target.id ? targetModseq + 1 : Number(source.highest_modseq) + 1;
      const moved = mergeRanges(copied.mapping.map(([uid]) => [uid, uid]));
      const r = await this.messages.remove(tx, source.id, moved, false, sourceModseq);
      await this.mailboxes.applyDelta(tx, source.id, { messages: -r.uids.length, unseen: -r.unseen, bytes: -r.bytes, modseq: sourceModseq });
      return { source, target, mapping: copied.mapping, targetModseq, sourceModseq, blobKeys: await this.indexes.collect(tx, r.freed, this.settings.blobGraceSeconds) };
    });
    await this.collector.deleteBlobs(outcome.blobKeys);
    if (outcome.mapping.length) {
      const events: MailboxChange[] = [change(outcome.target, 'appended', outcome.mapping.map((m) => m[1]), outcome.targetModseq)];
      if (p.move) events.push(change(outcome.source, 'expunged', outcome.mapping.map((m) => m[0]), outcome.sourceModseq));
      await this.events.publish(events);
    }
    return { targetUidValidity: Number(outcome.target.uid_validity), mapping: outcome.mapping };
  }

  private async checkQuota(tx: Queryable, accountId: string, sourceId: string, ranges: [number, number][], given: AccountQuota | undefined) {
    const usage = await this.mailboxes.usage(tx, accountId);
    const limits = effectiveLimits(given, usage.quota, this.settings.defaultQuotaBytes);
    if (limits.bytes == null && limits.messages == null) return;
    const adding = await this.messages.sizeOf(tx, sourceId, ranges);
    const problem = quotaProblem({ bytes: usage.used, messages: usage.messages }, adding, limits);
    if (problem) throw new ContractError('OVER_QUOTA', problem);
  }
}

/** rows read per page when the wide jsonb columns are asked for */
const WIDE_PAGE_ROWS = 2500;
/** a message's JSON besides its envelope, body, blob key and flags: uid, modseq, sizes, date, names */
const ROW_OVERHEAD_BYTES = 160;

function toFetched(row: FetchedRow, want: { envelope: boolean; imapEnvelope: boolean }): FetchedMessage {
  const m: FetchedMessage = {
    uid: Number(row.uid),
    modseq: Number(row.modseq),
    flags: row.flags,
    size: Number(row.size),
    internalDate: new Date(row.internal_date).toISOString(),
  };
  if (row.blob_key !== undefined) {
    m.blobKey = row.blob_key;
    m.headerSize = Number(row.header_size);
  }
  const envelope = row.envelope != null ? (JSON.parse(row.envelope) as Envelope) : undefined;
  if (want.envelope) m.envelope = envelope;
  if (want.imapEnvelope) m.imapEnvelope = row.envelope_imap ?? (envelope && serializeEnvelope(envelope));
  if (row.body != null) m.body = JSON.parse(row.body) as FetchedMessage['body'];
  return m;
}
