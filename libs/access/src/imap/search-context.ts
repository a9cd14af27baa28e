import { esearchUpdateResponse, esortUpdateResponse, sortedContextChanges, sortedRemovals, sortMessages, type ContextRun, type SearchKey, type SortCriterion } from '@mail/imap-protocol';
import type { MailStorePort } from '../ports/mail-store.port.js';
import type { SelectedMailbox } from './selected-mailbox.js';
import { toSearchCriterion } from './search-translate.js';
import { loadSortKeys, sortable } from './sort-keys.js';

/** at most this many UPDATE contexts per session (each costs a search per change of the mailbox) */
export const MAX_CONTEXTS = 10;

interface Context {
  uid: boolean;
  criteria: SearchKey;
  /** the UIDs the client was last told of */
  uids: Set<number>;
  /** a SORT context (CONTEXT=SORT): its program, and the UIDs the client knows in sort order */
  sort?: { criteria: readonly SortCriterion[]; order: number[] };
}

/**
 * RFC 5267 4.3 CONTEXT=SEARCH: the SEARCH RETURN (UPDATE) results a session keeps current. After
 * anything changed in the selected mailbox (another session's change announced, or the session's
 * own STORE, EXPUNGE, APPEND) each context's search runs again and the difference is told as
 * ESEARCH ADDTO / REMOVEFROM; an expunged message just before its EXPUNGE, by the number it has then.
 * Contexts end with CANCELUPDATE or when the mailbox is closed (ADR 0064).
 */
export class SearchContexts {
  private readonly contexts = new Map<string, Context>();
  /** the view's state the contexts were last brought to */
  private seen = '';

  constructor(
    private readonly store: MailStorePort,
    private readonly accountId: string,
    readonly mailbox: SelectedMailbox,
  ) {}

  get size(): number {
    return this.contexts.size;
  }

  /** a SEARCH context (`uids` in any order), or with `sort` a SORT context (`uids` in sort order) */
  add(tag: string, uid: boolean, criteria: SearchKey, uids: readonly number[], sort?: readonly SortCriterion[]): boolean {
    if (!this.contexts.has(tag) && this.contexts.size >= MAX_CONTEXTS) return false;
    this.contexts.set(tag, sort ? { uid, criteria, uids: new Set(uids), sort: { criteria: sort, order: [...uids] } } : { uid, criteria, uids: new Set(uids) });
    this.mailbox.onRemoved = (removed, seqs) => this.removed(removed, seqs);
    this.seen = this.state();
    return true;
  }

  /** ends the contexts of these tags; false when one of them is not an open context */
  cancel(tags: readonly string[]): boolean {
    if (!tags.every((t) => this.contexts.has(t))) return false;
    for (const t of tags) this.contexts.delete(t);
    if (!this.contexts.size) this.mailbox.onRemoved = null;
    return true;
  }

  clear(): void {
    this.contexts.clear();
    this.mailbox.onRemoved = null;
  }

  private state(): string {
    const v = this.mailbox.view;
    return `${v.modseq}:${v.exists}:${v.maxUid}`;
  }

  /** The ADDTO/REMOVEFROM responses for what changed since the last time ('' when nothing did). */
  async update(): Promise<string> {
    if (!this.contexts.size) return '';
    const state = this.state();
    if (state === this.seen) return '';
    this.seen = state;
    const view = this.mailbox.view;
    let text = '';
    for (const [tag, ctx] of this.contexts) {
      if (ctx.sort) {
        text += await this.updateSorted(tag, ctx, ctx.sort);
        continue;
      }
      const res = await this.store.searchMessages({ accountId: this.accountId, mailboxId: this.mailbox.mailboxId, criteria: toSearchCriterion(ctx.criteria, view) });
      const now = new Set(res.uids.filter((u) => view.seqOf(u) > 0));
      const gone: number[] = [];
      for (const uid of ctx.uids) {
        if (now.has(uid)) continue;
        const seq = view.seqOf(uid);
        ctx.uids.delete(uid);
        // expunged: told with its EXPUNGE (removed())
        if (!seq) continue;
        gone.push(ctx.uid ? uid : seq);
      }
      const added: number[] = [];
      for (const uid of now) {
        if (ctx.uids.has(uid)) continue;
        ctx.uids.add(uid);
        added.push(ctx.uid ? uid : view.seqOf(uid));
      }
      if (gone.length) text += esearchUpdateResponse(tag, ctx.uid, 'REMOVEFROM', 0, [...new Set(gone)].sort((a, b) => a - b));
      if (added.length) text += esearchUpdateResponse(tag, ctx.uid, 'ADDTO', 0, added.sort((a, b) => a - b));
    }
    return text;
  }

  /**
   * A SORT context: the search and sort run again (sort keys never change, so the messages the
   * client keeps stay in the same order); removals and additions go out with their positions.
   * An expunged message is not the concern of this: removed() told it with its EXPUNGE.
   */
  private async updateSorted(tag: string, ctx: Context, sort: NonNullable<Context['sort']>): Promise<string> {
    const view = this.mailbox.view;
    const found = await loadSortKeys(this.store, { accountId: this.accountId, mailboxId: this.mailbox.mailboxId }, toSearchCriterion(ctx.criteria, view), view, false);
    const next = sortMessages(found.map(sortable), sort.criteria).map((m) => m.uid);
    const known = sort.order.filter((uid) => view.seqOf(uid) > 0);
    const { removed, added } = sortedContextChanges(known, next);
    sort.order = next;
    ctx.uids = new Set(next);
    return this.runs(tag, ctx.uid, 'REMOVEFROM', removed) + this.runs(tag, ctx.uid, 'ADDTO', added);
  }

  /** the pairs of UIDs as the context's numbers (UIDs or the view's sequence numbers) */
  private runs(tag: string, uid: boolean, kind: 'ADDTO' | 'REMOVEFROM', runs: ContextRun[], seqOf?: (uid: number) => number): string {
    if (!runs.length) return '';
    const number = seqOf ?? ((u: number) => this.mailbox.view.seqOf(u));
    return esortUpdateResponse(tag, uid, kind, uid ? runs : runs.map((r) => ({ position: r.position, items: r.items.map(number) })));
  }

  /** REMOVEFROM for expunged messages a context holds, sent just before their EXPUNGE/VANISHED */
  private removed(uids: number[], seqs: number[]): string {
    let text = '';
    for (const [tag, ctx] of this.contexts) {
      if (ctx.sort) {
        const seqOf = new Map(uids.map((u, i) => [u, seqs[i] ?? 0]));
        const gone = new Set(uids.filter((u) => ctx.uids.delete(u)));
        if (!gone.size) continue;
        text += this.runs(tag, ctx.uid, 'REMOVEFROM', sortedRemovals(ctx.sort.order, gone), (u) => seqOf.get(u) ?? 0);
        ctx.sort.order = ctx.sort.order.filter((u) => !gone.has(u));
        continue;
      }
      const gone: number[] = [];
      uids.forEach((uid, i) => {
        if (ctx.uids.delete(uid)) gone.push(ctx.uid ? uid : (seqs[i] ?? 0));
      });
      if (gone.length) text += esearchUpdateResponse(tag, ctx.uid, 'REMOVEFROM', 0, [...new Set(gone)].sort((a, b) => a - b));
    }
    return text;
  }
}
