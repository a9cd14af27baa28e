import { Readable } from 'node:stream';
import { BlobNotFoundError, holdsInlineBodies, type BlobStore } from '@mail/blob';
import { ContractError, decodeCarriedIndex, type AppendAll, type AppendMessage, type AppendMessages, type ParsedRequestOf, type ResponseOf } from '@mail/contracts';
import type { Database, Queryable } from '@mail/db';
import type { ChangePublisher, MailboxChange } from './change-publisher.js';
import { SEEN, normalizeFlags } from './flags.js';
import { toIndexRecord, type IndexRecord } from './index-record.js';
import type { MessageIndexerPort } from './message-indexer.port.js';
import type { MailboxRepository } from './mailbox.repository.js';
import { change, isUniqueViolation } from './mailbox.service.js';
import { normalizeMailboxName } from './mailbox-name.js';
import type { AppendContext, AppendRepository, AppendResultRow } from './append.repository.js';
import { effectiveLimits, quotaProblem } from './quota-check.js';
import type { StoreSettings } from './store.config.js';
import { recordAppend, recordIndexSource } from './store-metrics.js';

type AppendRequest = ParsedRequestOf<typeof AppendMessage>;
type AppendResult = ResponseOf<typeof AppendMessage>;

/** mailboxes of one batch appended to at the same time (each holds a pooled connection) */
const BATCH_LANES = 4;

/** The append statement did not see an unflushed body's row (ADR 0073): nothing was written. */
class BodyNotVisible extends Error {}

const BODY_LOST = 'the message body was lost before it was stored (database restarted or failed over); send it again';

/**
 * Records a message that is already in the blob store. The blob is parsed before any transaction
 * opens (a row lock is never held while parsing), and only when no earlier append indexed the same
 * blob: a message to 50 local recipients is parsed once.
 */
/** the \Recent claim the append's statement made, told to other sessions on its event (ADR 0074) */
const claimed = (r: AppendResultRow): { recentUpTo?: number } => (r.recent && r.recent.upTo >= r.uid ? { recentUpTo: r.recent.upTo } : {});

export class AppendService {
  constructor(
    private readonly db: Database,
    private readonly mailboxes: MailboxRepository,
    private readonly appends: AppendRepository,
    private readonly blobs: BlobStore,
    private readonly indexer: MessageIndexerPort,
    private readonly events: ChangePublisher,
    private readonly settings: StoreSettings,
  ) {}

  /** whether this database holds `blob.inline`, which a body check names (read once, when first needed) */
  private bodiesHere: Promise<boolean> | undefined;

  async append(request: AppendRequest): Promise<AppendResult> {
    const [p] = await this.bySpecialUse(await this.bodiesWritable([request]));
    const { result, change } = await this.bodiesCovered([p], ([q = p]) => this.measured(q, q.index));
    if (change) await this.events.publish([change]);
    return result;
  }

  /**
   * Runs `run` on `items` so that no append commits over a body that may still be lost (ADR 0073).
   * An item whose body was put `deferred` (`bodyUnflushed`) is checked by the append's own
   * statement (`checkBody`: written only where the body's row is visible to it; no statement more).
   * When one was not visible (the row is on another database, or was lost when the server
   * restarted or failed over after its commit), nothing was written: every such body is made
   * durable with `flushPut` and `run` goes again without the check, or, when a body is gone, the
   * append fails UNAVAILABLE (the client still holds the message and sends it again). Where this
   * database has no inline bodies at all, the bodies are flushed first.
   */
  private async bodiesCovered<T extends { blobKey: string; bodyUnflushed?: boolean }, R>(items: T[], run: (items: T[]) => Promise<R>): Promise<R> {
    if (!items.some((i) => i.bodyUnflushed)) return run(items);
    if (await this.inlineBodiesHere()) {
      try {
        return await run(items);
      } catch (err) {
        if (!(err instanceof BodyNotVisible)) throw err;
      }
    }
    for (const i of items) {
      if (i.bodyUnflushed && !(await this.blobs.flushPut(i.blobKey))) throw new ContractError('UNAVAILABLE', BODY_LOST);
    }
    return run(items.map((i) => (i.bodyUnflushed ? { ...i, bodyUnflushed: false } : i)));
  }

  /**
   * Bodies held by the caller (`inlineBody`, a put with `flush: 'by-caller'`) are written by the
   * append's own statement, in its transaction (ADR 0073: one round trip instead of two). Where this
   * database has no inline bodies (`all`: or the append cannot take them, a batch), they are put
   * into the blob store first, durable, and the append runs as before.
   */
  private async bodiesWritable<T extends { blobKey: string; inlineBody?: Buffer }>(items: T[], all = false): Promise<T[]> {
    if (!items.some((i) => i.inlineBody) || (!all && (await this.inlineBodiesHere()))) return items;
    return Promise.all(
      items.map(async (i) => {
        if (!i.inlineBody) return i;
        await this.blobs.put(i.blobKey, i.inlineBody);
        return { ...i, inlineBody: undefined };
      }),
    );
  }

  private inlineBodiesHere(): Promise<boolean> {
    this.bodiesHere ??= holdsInlineBodies(this.db).catch((err: unknown) => {
      this.bodiesHere = undefined;
      throw err;
    });
    return this.bodiesHere;
  }

  /**
   * The items of one delivery batch. Items for the same mailbox run in order (their UIDs ascend in
   * item order); different mailboxes run side by side, a few at a time. One change event per
   * mailbox carries all the UIDs the batch appended there.
   */
  async appendBatch(requests: AppendRequest[]): Promise<ResponseOf<typeof AppendMessages>> {
    // delivery's bodies are durable; a caller that says otherwise has them flushed first (ADR 0073)
    for (const r of requests) {
      if (r.bodyUnflushed && !(await this.blobs.flushPut(r.blobKey))) throw new ContractError('UNAVAILABLE', BODY_LOST);
    }
    const items = await this.bySpecialUse(await this.bodiesWritable(requests.map((r) => (r.bodyUnflushed ? { ...r, bodyUnflushed: false } : r)), true));
    const results: ResponseOf<typeof AppendMessages>['results'] = new Array(items.length);
    const changes = new Map<string, MailboxChange>();
    const byMailbox = new Map<string, number[]>();
    // a blob's carried index comes once per batch; every item with that blob may use it
    const carried = new Map<string, string>();
    items.forEach((item, i) => {
      if (item.index) carried.set(item.blobKey, item.index);
      const k = `${item.accountId}/${normalizeMailboxName(item.mailbox)}`;
      byMailbox.set(k, [...(byMailbox.get(k) ?? []), i]);
    });
    const contexts = await this.batchContexts(items);
    const across = await this.acrossMailboxes([...byMailbox.values()], items, carried, contexts);
    const queues = [...byMailbox.values()].filter((q) => !(q.length === 1 && across.has(q[0])));
    for (const [i, { result, change }] of across) {
      results[i] = { ok: true, result };
      changes.set(change.mailboxId, change);
    }
    const lane = async () => {
      for (let q = queues.shift(); q; q = queues.shift()) {
        const together = await this.inOneStatement(q, items, carried, contexts);
        for (const i of q) {
          try {
            const { result, change } = together?.get(i) ?? (await this.measured(items[i], carried.get(items[i].blobKey), contexts.get(i)));
            results[i] = { ok: true, result };
            if (change) {
              const seen = changes.get(change.mailboxId);
              changes.set(change.mailboxId, seen ? mergeAppended(seen, change) : change);
            }
          } catch (err) {
            results[i] = err instanceof ContractError ? { ok: false, code: err.code, message: err.message.slice(0, 2000) } : { ok: false, code: 'INTERNAL', message: 'internal error' };
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_LANES, queues.length) }, lane));
    if (changes.size) await this.events.publish([...changes.values()]);
    return { results };
  }

  /**
   * MULTIAPPEND (RFC 3502): every message or none. The blobs are indexed first (never while a
   * transaction holds the mailbox's row), then one transaction appends them in order, checking
   * the quota against what the earlier ones already used; any failure rolls all of them back.
   * One change event carries them all.
   */
  async appendAll(request: ParsedRequestOf<typeof AppendAll>): Promise<ResponseOf<typeof AppendAll>> {
    const p = { ...request, messages: await this.bodiesWritable(request.messages) };
    const name = normalizeMailboxName(p.mailbox);
    const started = performance.now();
    const records = await Promise.all(p.messages.map((m) => this.indexRecord({ ...m, accountId: p.accountId, mailbox: name } as AppendRequest, m.index)));
    await this.mailboxes.ensureAccount(this.db, p.accountId);
    // a body not visible to its statement throws BodyNotVisible, which rolls the whole transaction back
    const { results, mailbox } = await this.bodiesCovered(p.messages, (messages) => this.db.transaction(async (tx) => {
      const results: AppendResult[] = [];
      let mailbox: AppendContext['mailbox'] = null;
      for (const [i, m] of messages.entries()) {
        const ctx = await this.appends.context(tx, p.accountId, name, m.blobKey, null);
        mailbox = ctx.mailbox;
        if (!mailbox) throw new ContractError('NOT_FOUND', `no mailbox "${name}"`);
        const record = records[i]!;
        const problem = quotaProblem({ bytes: ctx.used, messages: ctx.messages }, { bytes: record.size, messages: 1 }, effectiveLimits(p.quota, ctx.quota, this.settings.defaultQuotaBytes));
        if (problem) throw new ContractError('OVER_QUOTA', problem);
        const flags = normalizeFlags(m.flags);
        const outcome = await this.appends.append(tx, {
          accountId: p.accountId,
          mailboxId: mailbox.id,
          flags,
          internalDate: m.internalDate ? new Date(m.internalDate).toISOString() : new Date().toISOString(),
          blobKey: m.blobKey,
          unseen: flags.includes(SEEN) ? 0 : 1,
          idempotencyKey: null,
          index: { record },
          checkBody: m.bodyUnflushed === true,
          body: m.inlineBody,
        });
        if (!outcome.ok && outcome.why === 'body-not-visible') throw new BodyNotVisible();
        if (!outcome.ok) throw new ContractError(outcome.why === 'mailbox-gone' ? 'NOT_FOUND' : 'UNAVAILABLE', `append to "${name}" failed: ${outcome.why}`);
        const r = outcome.row;
        results.push({ mailboxId: r.mailbox_id, uid: r.uid, uidValidity: r.uid_validity, modseq: r.modseq, duplicate: false, flags });
      }
      return { results, mailbox: mailbox! };
    }));
    const last = results[results.length - 1]!;
    const appended = results.map((r) => ({ uid: r.uid, modseq: r.modseq, flags: r.flags ?? [] }));
    await this.events.publish([{ ...change(mailbox, 'appended', appended.map((a) => a.uid), last.modseq), appended }]);
    const each = (performance.now() - started) / 1000 / results.length;
    for (let i = 0; i < results.length; i++) recordAppend('ok', each);
    return { results };
  }

  /**
   * Items that name a special-use mailbox get the name of the account's mailbox with that
   * attribute, which is created (under the item's `mailbox` name) when the account has none: a
   * DMARC quarantine goes to Junk even after the user renamed or deleted it. Once per account and
   * attribute per batch.
   */
  private async bySpecialUse(items: AppendRequest[]): Promise<AppendRequest[]> {
    if (!items.some((i) => i.specialUse)) return items;
    const names = new Map<string, Promise<string>>();
    const nameOf = (accountId: string, specialUse: string, fallback: string) => {
      const k = `${accountId} ${specialUse}`;
      let name = names.get(k);
      if (!name) {
        name = (async () => {
          await this.mailboxes.ensureAccount(this.db, accountId);
          const found = await this.mailboxes.bySpecialUse(this.db, accountId, specialUse);
          if (found) return found.name;
          const wanted = normalizeMailboxName(fallback);
          // null: a mailbox of that name exists (without the attribute, or created concurrently); it is used as it is
          await this.mailboxes.create(this.db, accountId, wanted, specialUse);
          return wanted;
        })();
        names.set(k, name);
      }
      return name;
    };
    return Promise.all(items.map(async (i) => (i.specialUse ? { ...i, mailbox: await nameOf(i.accountId, i.specialUse, i.mailbox) } : i)));
  }

  /**
   * The contexts of a batch's items read in one round trip instead of one each, for the items
   * whose context no earlier item of the batch can change: the first of each account (its quota
   * use grows with every append) and of each blob (the first append indexes it). The others, and
   * every item when the read fails, read their own just before they run.
   */
  private async batchContexts(items: AppendRequest[]): Promise<Map<number, AppendContext>> {
    const accounts = new Set<string>();
    const blobs = new Set<string>();
    const first: number[] = [];
    items.forEach((item, i) => {
      if (!accounts.has(item.accountId) && !blobs.has(item.blobKey)) first.push(i);
      accounts.add(item.accountId);
      blobs.add(item.blobKey);
    });
    if (first.length < 2) return new Map();
    try {
      const read = await this.appends.contexts(
        this.db,
        first.map((i) => ({ accountId: items[i].accountId, mailbox: normalizeMailboxName(items[i].mailbox), blobKey: items[i].blobKey, key: items[i].idempotencyKey ?? null })),
      );
      return new Map(first.map((i, k) => [i, read[k]]));
    } catch {
      return new Map();
    }
  }

  /**
   * A batch's appends to one mailbox in ONE statement (ADR 0053, after ADR 0043's one
   * transaction): the mailbox row is updated once for the group, which allocates its UIDs and
   * MODSEQs as a block, so the row lock that every append to that mailbox needs is held for one
   * round trip per batch instead of one (or two, with the context read) per message. The context
   * is read once before (outside the lock), the quota checked item by item against what the
   * group's earlier items add, and an idempotency key used before (in an earlier delivery or
   * earlier in the group) answered as that append's duplicate. Only items whose index came with
   * them and that carry the same flags join (a delivery's: none), each blob once; anything else,
   * any item over quota, or any failure of the statement (a duplicate key racing another replica,
   * the mailbox deleted meanwhile) leaves the group to run one by one as before (null): the
   * statement is atomic, so nothing of it was written then.
   */
  private async inOneStatement(queue: number[], items: AppendRequest[], carried: Map<string, string>, contexts: Map<number, AppendContext>) {
    const group = queue.filter((i) => carried.has(items[i].blobKey));
    if (group.length < 2) return null;
    const head = items[group[0]];
    const flags = normalizeFlags(head.flags);
    const blobs = new Set<string>();
    for (const i of group) {
      if (blobs.has(items[i].blobKey) || normalizeFlags(items[i].flags).join(' ') !== flags.join(' ')) return null;
      blobs.add(items[i].blobKey);
    }
    const started = performance.now();
    try {
      const name = normalizeMailboxName(head.mailbox);
      const ctx = contexts.get(group[0]) ?? (await this.appends.context(this.db, head.accountId, name, head.blobKey, head.idempotencyKey ?? null));
      const mailbox = ctx.mailbox;
      if (!mailbox) return null;
      const keys = group.map((i) => items[i].idempotencyKey).filter((k): k is string => !!k);
      const earlier = keys.length ? await this.appends.findAppends(this.db, head.accountId, keys) : new Map<string, AppendResultRow>();
      const out = new Map<number, { result: AppendResult; change?: MailboxChange }>();
      const members: Array<{ i: number; record: IndexRecord }> = [];
      const firstWithKey = new Map<string, number>();
      const repeats: Array<[number, number]> = [];
      let used = { bytes: ctx.used, messages: ctx.messages };
      for (const i of group) {
        const p = items[i];
        const key = p.idempotencyKey ?? null;
        const prior = key ? earlier.get(key) : undefined;
        if (prior) {
          out.set(i, { result: duplicateOf(prior) });
          continue;
        }
        const first = key ? firstWithKey.get(key) : undefined;
        if (first !== undefined) {
          repeats.push([i, first]);
          continue;
        }
        if (key) firstWithKey.set(key, i);
        const record = await this.indexRecord(p, carried.get(p.blobKey));
        if (quotaProblem(used, { bytes: record.size, messages: 1 }, effectiveLimits(p.quota, ctx.quota, this.settings.defaultQuotaBytes))) return null;
        used = { bytes: used.bytes + record.size, messages: used.messages + 1 };
        members.push({ i, record });
      }
      if (members.length) {
        const block = await this.appends.appendGroup(this.db, {
          accountId: head.accountId,
          mailboxId: mailbox.id,
          flags,
          unseen: flags.includes(SEEN) ? 0 : 1,
          items: members.map(({ i, record }) => ({
            blobKey: items[i].blobKey,
            internalDate: new Date(items[i].internalDate ?? Date.now()).toISOString(),
            idempotencyKey: items[i].idempotencyKey ?? null,
            record,
          })),
        });
        if (!block) return null;
        members.forEach(({ i }, k) => {
          const uid = block.firstUid + k;
          const modseq = block.baseModseq + k + 1;
          out.set(i, {
            result: { mailboxId: mailbox.id, uid, uidValidity: block.uidValidity, modseq, duplicate: false, flags },
            change: { ...change(mailbox, 'appended', [uid], modseq), appended: [{ uid, modseq, flags }] },
          });
        });
      }
      for (const [i, first] of repeats) {
        const r = out.get(first)?.result;
        if (!r) return null;
        out.set(i, { result: { mailboxId: r.mailboxId, uid: r.uid, uidValidity: r.uidValidity, modseq: r.modseq, duplicate: true } });
      }
      const each = (performance.now() - started) / 1000 / group.length;
      for (const { result } of out.values()) recordAppend(result.duplicate ? 'duplicate' : 'ok', each);
      return out;
    } catch {
      return null;
    }
  }

  /**
   * The mailboxes of a batch that get one message each, appended in ONE statement (ADR 0059): a
   * delivery batch spread over many accounts then pays one statement and one commit, not one per
   * message. An item joins when everything it decides on is known from the batch's context read
   * (the first item of its account and blob: mailbox, earlier result of its key, quota use), it is
   * new (no earlier result, blob not yet indexed, no other item of the batch with that blob), its
   * index came with it, it fits its quota and its flags are the first member's. The rest, and all
   * of them when the statement fails (it is atomic: nothing was written then) or a mailbox had
   * gone, run as before.
   */
  private async acrossMailboxes(queues: number[][], items: AppendRequest[], carried: Map<string, string>, contexts: Map<number, AppendContext>) {
    const out = new Map<number, { result: AppendResult; change: MailboxChange }>();
    const perBlob = new Map<string, number>();
    for (const item of items) perBlob.set(item.blobKey, (perBlob.get(item.blobKey) ?? 0) + 1);
    const members: Array<{ i: number; mailbox: NonNullable<AppendContext['mailbox']>; record: IndexRecord }> = [];
    let flags: string[] | undefined;
    for (const q of queues) {
      const i = q[0];
      const p = items[i];
      const ctx = contexts.get(i);
      if (q.length !== 1 || !ctx?.mailbox || ctx.earlier || ctx.index || perBlob.get(p.blobKey) !== 1 || !carried.has(p.blobKey)) continue;
      const own = normalizeFlags(p.flags);
      if (flags && own.join(' ') !== flags.join(' ')) continue;
      let record: IndexRecord;
      try {
        record = await this.indexRecord(p, carried.get(p.blobKey));
      } catch {
        continue;
      }
      if (quotaProblem({ bytes: ctx.used, messages: ctx.messages }, { bytes: record.size, messages: 1 }, effectiveLimits(p.quota, ctx.quota, this.settings.defaultQuotaBytes))) continue;
      flags ??= own;
      members.push({ i, mailbox: ctx.mailbox, record });
    }
    if (members.length < 2 || !flags) return out;
    const started = performance.now();
    let written: Map<string, AppendResultRow>;
    try {
      written = await this.appends.appendAcross(this.db, {
        flags,
        unseen: flags.includes(SEEN) ? 0 : 1,
        items: members.map(({ i, mailbox, record }) => ({
          accountId: items[i].accountId,
          mailboxId: mailbox.id,
          blobKey: items[i].blobKey,
          internalDate: new Date(items[i].internalDate ?? Date.now()).toISOString(),
          idempotencyKey: items[i].idempotencyKey ?? null,
          record,
        })),
      });
    } catch {
      return out;
    }
    const each = (performance.now() - started) / 1000 / members.length;
    for (const { i, mailbox } of members) {
      const r = written.get(mailbox.id);
      if (!r) continue;
      recordAppend('ok', each);
      out.set(i, {
        result: { mailboxId: r.mailbox_id, uid: r.uid, uidValidity: r.uid_validity, modseq: r.modseq, duplicate: false, flags },
        change: { ...change(mailbox, 'appended', [r.uid], r.modseq), appended: [{ uid: r.uid, modseq: r.modseq, flags }] },
      });
    }
    return out;
  }

  private async measured(p: AppendRequest, carried: string | undefined, context?: AppendContext): Promise<{ result: AppendResult; change?: MailboxChange }> {
    const started = performance.now();
    try {
      const out = await this.run(p, carried, context);
      recordAppend(out.result.duplicate ? 'duplicate' : 'ok', (performance.now() - started) / 1000);
      return out;
    } catch (err) {
      recordAppend('error', (performance.now() - started) / 1000);
      throw err;
    }
  }

  /** One append; `q` is the group's transaction when it runs in one (reads then see the group's earlier appends). */
  private async run(p: AppendRequest, carried: string | undefined, context?: AppendContext, q: Queryable = this.db): Promise<{ result: AppendResult; change?: MailboxChange }> {
    const name = normalizeMailboxName(p.mailbox);
    const key = p.idempotencyKey ?? null;
    // nothing to look up first (no key to answer from, a new blob's index): one statement (ADR 0069)
    if (!context && !key && q === this.db) {
      const done = await this.named(p, name, carried);
      if (done) return done;
    }
    let ctx = context ?? (await this.appends.context(q, p.accountId, name, p.blobKey, key));
    if (!ctx.mailbox && !ctx.earlier) {
      // the first message of a new account: its default mailboxes come into being on first use
      await this.mailboxes.ensureAccount(q, p.accountId);
      ctx = await this.appends.context(q, p.accountId, name, p.blobKey, key);
    }
    if (ctx.earlier) return { result: duplicateOf(ctx.earlier) };
    const mailbox = ctx.mailbox;
    if (!mailbox) throw new ContractError('NOT_FOUND', `no mailbox "${name}"`);
    const flags = normalizeFlags(p.flags);
    const internalDate = p.internalDate ? new Date(p.internalDate).toISOString() : new Date().toISOString();

    let existing = ctx.index;
    let record: IndexRecord | null = null;
    let size: number;
    if (existing) size = existing.size;
    else {
      record = await this.indexRecord(p, carried);
      size = record.size;
    }
    // Checked before the write: concurrent appends may overshoot by a message, as with most quota systems.
    const problem = quotaProblem({ bytes: ctx.used, messages: ctx.messages }, { bytes: size, messages: 1 }, effectiveLimits(p.quota, ctx.quota, this.settings.defaultQuotaBytes));
    if (problem) throw new ContractError('OVER_QUOTA', problem);

    for (let attempt = 0; ; attempt++) {
      let outcome;
      try {
        outcome = await this.appends.append(q, {
          accountId: p.accountId,
          mailboxId: mailbox.id,
          flags,
          internalDate,
          blobKey: p.blobKey,
          unseen: flags.includes(SEEN) ? 0 : 1,
          idempotencyKey: key,
          index: existing ? { existingId: existing.id } : { record: record as IndexRecord },
          claimRecent: p.recent === 'claim',
          checkBody: p.bodyUnflushed === true,
          body: p.inlineBody,
        });
      } catch (err) {
        // another append with the same key committed while ours ran: answer with its result
        if (!key || !isUniqueViolation(err)) throw err;
        // inside a group's transaction the violation aborted it: the group reruns one by one
        if (q !== this.db) throw err;
        const earlier = await this.appends.findAppend(this.db, p.accountId, key);
        if (earlier) return { result: duplicateOf(earlier) };
        throw new ContractError('UNAVAILABLE', 'a concurrent append with the same idempotency key is in flight; retry');
      }
      if (outcome.ok) {
        const r = outcome.row;
        return {
          result: { mailboxId: r.mailbox_id, uid: r.uid, uidValidity: r.uid_validity, modseq: r.modseq, duplicate: false, flags, ...(r.recent ? { recent: r.recent } : {}) },
          change: { ...change(mailbox, 'appended', [r.uid], r.modseq), appended: [{ uid: r.uid, modseq: r.modseq, flags }], ...claimed(r) },
        };
      }
      if (outcome.why === 'mailbox-gone') throw new ContractError('NOT_FOUND', `mailbox "${mailbox.name}" was deleted`);
      if (outcome.why === 'body-not-visible') throw new BodyNotVisible();
      // the index row we meant to share was collected between our read and our write
      if (attempt > 0) throw new ContractError('UNAVAILABLE', 'the message index changed under the append; retry');
      existing = null;
      record = await this.indexRecord(p, carried);
    }
  }

  /**
   * An append without an idempotency key, addressed by mailbox name: the statement finds the
   * mailbox and checks the quota itself (ADR 0069), so no context read comes before it. Null when
   * there is no such mailbox yet (a new account's first message): the caller's way handles that.
   */
  private async named(p: AppendRequest, name: string, carried: string | undefined): Promise<{ result: AppendResult; change: MailboxChange } | null> {
    const record = await this.indexRecord(p, carried);
    const flags = normalizeFlags(p.flags);
    const outcome = await this.appends.appendNamed(this.db, {
      accountId: p.accountId,
      mailbox: name,
      flags,
      internalDate: p.internalDate ? new Date(p.internalDate).toISOString() : new Date().toISOString(),
      blobKey: p.blobKey,
      unseen: flags.includes(SEEN) ? 0 : 1,
      record,
      limits: { givenBytes: p.quota?.bytes ?? null, givenMessages: p.quota?.messages ?? null, defaultBytes: this.settings.defaultQuotaBytes },
      claimRecent: p.recent === 'claim',
      checkBody: p.bodyUnflushed === true,
      body: p.inlineBody,
    });
    if (!outcome.ok && outcome.why === 'no-mailbox') return null;
    if (!outcome.ok && outcome.why === 'body-not-visible') throw new BodyNotVisible();
    if (!outcome.ok) {
      throw new ContractError('OVER_QUOTA', quotaProblem(outcome.used, { bytes: outcome.size, messages: 1 }, outcome.limits) ?? 'mailbox full');
    }
    const r = outcome.row;
    return {
      result: { mailboxId: r.mailbox_id, uid: r.uid, uidValidity: r.uid_validity, modseq: r.modseq, duplicate: false, flags, ...(r.recent ? { recent: r.recent } : {}) },
      change: { ...change({ account_id: p.accountId, id: r.mailbox_id, name, highest_modseq: r.modseq }, 'appended', [r.uid], r.modseq), appended: [{ uid: r.uid, modseq: r.modseq, flags }], ...claimed(r) },
    };
  }

  /** The index carried with the message when it is usable, else the body (held, or read back from the blob store) parsed. */
  private async indexRecord(p: AppendRequest, carried: string | undefined): Promise<IndexRecord> {
    const index = carried ? decodeCarriedIndex(carried, p.size) : null;
    recordIndexSource(index ? 'carried' : 'parsed');
    if (index) return toIndexRecord(index);
    if (p.inlineBody) return toIndexRecord(await this.indexer.index(Readable.from([p.inlineBody])));
    return this.parse(p.blobKey);
  }

  private async parse(blobKey: string): Promise<IndexRecord> {
    let stream;
    try {
      stream = await this.blobs.get(blobKey);
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new ContractError('NOT_FOUND', `blob ${blobKey} not found`);
      throw err;
    }
    return toIndexRecord(await this.indexer.index(stream));
  }
}

function duplicateOf(r: AppendResultRow): AppendResult {
  return { mailboxId: r.mailbox_id, uid: Number(r.uid), uidValidity: Number(r.uid_validity), modseq: Number(r.modseq), duplicate: true };
}

/** One event for the appends of a batch to one mailbox (they ran in order, so modseqs ascend). */
function mergeAppended(a: MailboxChange, b: MailboxChange): MailboxChange {
  const appended = a.appended && b.appended && a.appended.length + b.appended.length <= 1000 ? [...a.appended, ...b.appended] : undefined;
  return { ...a, uids: [...a.uids, ...b.uids], modseq: Math.max(a.modseq, b.modseq), appended };
}
