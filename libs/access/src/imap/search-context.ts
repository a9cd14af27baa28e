import { esearchUpdateResponse, type SearchKey } from '@mail/imap-protocol';
import type { MailStorePort } from '../ports/mail-store.port.js';
import type { SelectedMailbox } from './selected-mailbox.js';
import { toSearchCriterion } from './search-translate.js';

/** at most this many UPDATE contexts per session (each costs a search per change of the mailbox) */
export const MAX_CONTEXTS = 10;

interface Context {
  uid: boolean;
  criteria: SearchKey;
  /** the UIDs the client was last told of */
  uids: Set<number>;
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

  add(tag: string, uid: boolean, criteria: SearchKey, uids: Iterable<number>): boolean {
    if (!this.contexts.has(tag) && this.contexts.size >= MAX_CONTEXTS) return false;
    this.contexts.set(tag, { uid, criteria, uids: new Set(uids) });
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

  /** REMOVEFROM for expunged messages a context holds, sent just before their EXPUNGE/VANISHED */
  private removed(uids: number[], seqs: number[]): string {
    let text = '';
    for (const [tag, ctx] of this.contexts) {
      const gone: number[] = [];
      uids.forEach((uid, i) => {
        if (ctx.uids.delete(uid)) gone.push(ctx.uid ? uid : seqs[i]!);
      });
      if (gone.length) text += esearchUpdateResponse(tag, ctx.uid, 'REMOVEFROM', 0, [...new Set(gone)].sort((a, b) => a - b));
    }
    return text;
  }
}
