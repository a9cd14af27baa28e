import type { MailboxChanges, RecentMode, RecentRange, RequestOf, ResponseOf } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { existsResponse, expungeResponse, fetchFlagsResponse, keywordsResponses, recentResponse, selectResponses, toRanges, vanishedResponse, type SequenceSet } from '@mail/imap-protocol';
import type { MailboxChangedEvent } from '../ports/change-feed.port.js';
import type { MailStorePort } from '../ports/mail-store.port.js';
import { mailboxObjectId } from './mailbox-object-id.js';
import { MailboxView } from './mailbox-view.js';

/** change events kept for eventChain between two refreshes; beyond this many the store is asked */
const MAX_QUEUED = 256;

type Changes = ResponseOf<typeof MailboxChanges>;

/** What the events covered, then what the store answered after them (newer flags win, expunges remove). */
function mergeChanges(chain: Changes, fetched: Changes): Changes {
  const changed = new Map(chain.changed.map((m) => [m.uid, m]));
  for (const m of fetched.changed) changed.set(m.uid, m);
  for (const uid of fetched.expunged) changed.delete(uid);
  return {
    changed: [...changed.values()],
    expunged: [...chain.expunged, ...fetched.expunged],
    highestModseq: Math.max(chain.highestModseq, fetched.highestModseq),
    uidNext: Math.max(chain.uidNext, fetched.uidNext),
    recent: fetched.recent,
    vanishedFloor: fetched.vanishedFloor,
  };
}

/** The store calls the synchronisation needs: opening a mailbox and asking what changed since a MODSEQ. */
export type MailboxSource = Pick<MailStorePort, 'openMailbox' | 'mailboxChanges' | 'vanishedMessages'>;

/**
 * The selected mailbox of one session and its synchronisation with everyone else's changes: the
 * UID↔sequence map and flags (MailboxView), whether changes are waiting to be announced, and the
 * untagged responses (EXISTS, EXPUNGE, FETCH FLAGS) that bring the client up to date.
 *
 * Nothing here writes to the socket: every method returns the response text for the session to
 * send, so the session decides when (RFC 3501 7.4.1: no EXPUNGE while sequence numbers are in
 * flight) and this unit is tested with no connection.
 */
export class SelectedMailbox {
  /** changes were announced (or made by us) that the client has not been told about yet */
  private pending = false;
  /** the highest modseq a change event announced for this mailbox */
  private announcedModseq = 0;
  /** an expunge event named messages the view still holds, at a MODSEQ the view already has */
  private expungeOwed = false;
  /** SELECT's UNSEEN, found once at open (undefined: not looked for yet) */
  private firstUnseen: number | null | undefined;
  /** CONDSTORE is on for the session (RFC 7162 3.1): unsolicited FETCH responses carry MODSEQ */
  condstore = false;
  /** QRESYNC is on for the session (RFC 7162 3.2.10): removals are announced as VANISHED, by UID */
  qresync = false;
  /** the session enabled IMAP4rev2 (RFC 9051): set by the session before SELECT's responses */
  imap4rev2 = false;
  /** keywords the client was told about in FLAGS/PERMANENTFLAGS, by lower case */
  private readonly keywords = new Map<string, string>();
  /**
   * While search UPDATE contexts are open (RFC 5267 4.3): told of each removal just before its
   * EXPUNGE (the number it still has then) or, for VANISHED, of all of them with the numbers they
   * had before; answers the REMOVEFROM text to send first.
   */
  onRemoved: ((uids: number[], seqs: number[]) => string) | null = null;
  /** the \Recent count the client was last told (`* n RECENT`) */
  private recentTold: number;
  /**
   * Change events of this mailbox beyond the view, kept until the next refresh: a chain of them
   * that directly follows the view's MODSEQ (each change takes the next one) is applied from the
   * events themselves, without asking the store (eventChain). null once more came than are kept.
   */
  private queued: MailboxChangedEvent[] | null = [];
  /** a change of our own that no event may describe yet (COPY into this mailbox): the next refresh asks the store */
  private storeOwed = false;

  private constructor(
    readonly view: MailboxView,
    private readonly source: MailboxSource,
    private readonly accountId: string,
    private readonly logger: Logger,
    /** how this session takes part in \Recent (IMAP4rev1); undefined: not at all (IMAP4rev2) */
    private readonly recentMode: RecentMode | undefined,
    /** the user's tenant, with which a shared mailbox's name resolves (ADR 0044) */
    private readonly tenant?: string,
  ) {
    for (const k of view.keywords()) this.keywords.set(k.toLowerCase(), k);
    this.recentTold = view.recentCount();
  }

  /** Loads the mailbox's UIDs and flags, page by page, claiming (or peeking at) \Recent with the first. */
  static async open(
    source: MailboxSource,
    accountId: string,
    name: string,
    readOnly: boolean,
    logger: Logger,
    recentMode?: RecentMode,
    tenant?: string,
  ): Promise<SelectedMailbox> {
    let view: MailboxView | null = null;
    let afterUid = 0;
    let unseen = 0;
    for (;;) {
      const page = await source.openMailbox(afterUid === 0 && recentMode ? { accountId, tenant, name, afterUid, recent: recentMode } : { accountId, tenant, name, afterUid });
      unseen = page.mailbox.unseen;
      if (!view) {
        view = new MailboxView(page.mailbox, readOnly);
        view.addRecent(page.recent);
      }
      view.load(page.messages);
      if (!page.more || !page.messages.length) break;
      afterUid = page.messages[page.messages.length - 1]!.uid;
    }
    const opened = new SelectedMailbox(view, source, accountId, logger, recentMode, tenant);
    // nothing unseen (most folders but INBOX): no need to walk the view for UNSEEN
    if (unseen === 0) opened.firstUnseen = null;
    return opened;
  }

  get mailboxId(): string {
    return this.view.mailboxId;
  }

  get name(): string {
    return this.view.name;
  }

  get readOnly(): boolean {
    return this.view.readOnly;
  }

  get hasPending(): boolean {
    return this.pending;
  }

  /** Something changed that only the store knows the details of (e.g. our own COPY into this mailbox). */
  markPending(): void {
    this.pending = true;
    this.storeOwed = true;
  }

  /** The untagged block of SELECT/EXAMINE. */
  selectResponses(): string {
    const v = this.view;
    // IMAP4rev2 (RFC 9051 6.3.2, appendix E): no RECENT, no UNSEEN, and the mailbox's LIST response
    const rev2 = this.imap4rev2;
    return selectResponses({
      keywords: [...this.keywords.values()],
      readOnly: v.readOnly,
      exists: v.exists,
      recent: rev2 ? null : this.recentTold,
      firstUnseen: rev2 ? null : this.firstUnseen === undefined ? v.firstUnseen() : this.firstUnseen,
      uidValidity: v.uidValidity,
      uidNext: v.uidNext,
      highestModseq: v.modseq,
      listName: rev2 ? { name: v.name, delimiter: '/' } : undefined,
      mailboxId: mailboxObjectId(v.mailboxId),
    });
  }

  /**
   * FLAGS and PERMANENTFLAGS again when any of these flag lists holds a keyword the client has not
   * been told about, so that no FETCH shows a keyword before the mailbox announced it (RFC 3501
   * 7.2.6); '' when none is new. Call before sending the FETCH responses that carry the lists.
   */
  announceKeywords(flagLists: Iterable<readonly string[]>): string {
    let added = false;
    for (const flags of flagLists) {
      for (const f of flags) {
        if (f.startsWith('\\')) continue;
        const key = f.toLowerCase();
        if (this.keywords.has(key)) continue;
        this.keywords.set(key, f);
        added = true;
      }
    }
    return added ? keywordsResponses(this.keywords.values(), this.view.readOnly) : '';
  }

  /** [seq, uid] pairs a command names */
  select(set: SequenceSet, byUid: boolean): [number, number][] {
    return this.view.select(set, byUid);
  }

  /**
   * A change event of the account. Returns true when it concerns this mailbox and brings something
   * the view has not seen (the session then owes its client an update).
   */
  noteChange(ev: MailboxChangedEvent): boolean {
    if (ev.mailboxId !== this.view.mailboxId) return false;
    this.announcedModseq = Math.max(this.announcedModseq, ev.modseq);
    if (ev.modseq <= this.view.modseq) {
      // an expunge the view has not applied, whatever its MODSEQ says, is still owed to the client;
      // one whose messages are already gone (our own EXPUNGE, applied from its answer) is not
      if (ev.kind !== 'expunged' || !ev.uids.some((uid) => this.view.seqOf(uid) > 0)) return false;
      this.expungeOwed = true;
    }
    if (this.queued) this.queued = this.queued.length < MAX_QUEUED ? (this.queued.push(ev), this.queued) : null;
    this.pending = true;
    return true;
  }

  /**
   * Our own STORE or EXPUNGE took `modseq`: when it directly follows the view's, the view (already
   * updated from the answer) moves on, and the change event of it, which usually arrives before the
   * answer (the store publishes, then replies), no longer costs a MailboxChanges request. Anything
   * announced beyond it still does.
   */
  followOwn(modseq: number, own?: Pick<MailboxChangedEvent, 'kind' | 'uids' | 'changed'>): void {
    if (this.view.followOwnChange(modseq)) this.settlePending();
    else if (own) this.queueOwn({ ...own, modseq });
  }

  /**
   * Our own change at `modseq` that the view could not follow (other sessions' changes before it
   * are not applied yet) joins the queued events as the event it publishes would (ADR 0074): its
   * own event comes back only after the reply (a change made in this process publishes after its
   * commit), and without it the next refresh's chain would stop at its MODSEQ and ask the store.
   * A repeat of the same MODSEQ (the real event, when it comes) is skipped by the chain.
   */
  private queueOwn(ev: Pick<MailboxChangedEvent, 'kind' | 'uids' | 'modseq' | 'changed' | 'appended' | 'recentUpTo'>): void {
    if (ev.modseq <= this.view.modseq) return;
    this.noteChange({ accountId: this.accountId, mailboxId: this.view.mailboxId, mailbox: this.view.name, ...ev });
  }

  /** pending stays only for what the view has not caught up with */
  private settlePending(): void {
    this.pending = this.pending && (this.announcedModseq > this.view.modseq || this.expungeOwed);
  }

  /**
   * Asks the store what changed since the view's MODSEQ; the responses that tell the client. A store
   * that cannot answer leaves the client as it was (logged): the next change event asks again.
   */
  async refresh(arrived = false): Promise<string> {
    // events arriving while the store answers set these again; what the answer covers is settled below
    this.pending = false;
    const owed = this.expungeOwed || this.storeOwed;
    this.expungeOwed = false;
    this.storeOwed = false;
    const chain = owed ? null : this.eventChain();
    this.queued = [];
    let changes: ResponseOf<typeof MailboxChanges>;
    // the store is asked only for what the events do not cover, and for an IMAP4rev1 session's
    // \Recent claim of arrivals; with nothing left to read it answers the claim in one statement
    const since = chain?.highestModseq ?? this.view.modseq;
    if (chain && this.announcedModseq <= since && !(this.recentMode && (arrived || chain.arrivals))) {
      changes = chain;
    } else {
      try {
        const fetched = await this.source.mailboxChanges({ ...this.changesRequest(), sinceModseq: since });
        changes = chain ? mergeChanges(chain, fetched) : fetched;
      } catch (err) {
        this.logger.warn({ err }, 'could not load mailbox changes');
        return '';
      }
    }
    if (changes.vanishedFloor !== undefined && changes.vanishedFloor > since) {
      // the store forgot expunges this old (tombstone retention): find them by a full listing
      const gone = await this.listMissing();
      if (gone === null) return '';
      changes = { ...changes, expunged: [...changes.expunged, ...gone] };
    }
    this.view.addRecent(changes.recent);
    const update = this.view.apply(changes);
    // what was announced, before or during the request, and the answer does not hold
    this.pending = this.announcedModseq > this.view.modseq || this.expungeOwed;
    let text = this.announceKeywords(changes.changed.map((m) => m.flags));
    text += this.removals(update.expunged, update.expungedUids);
    if (update.exists !== null) text += existsResponse(update.exists);
    text += this.recentUpdate(arrived || update.exists !== null);
    for (const [seq, uid, flags, modseq] of update.flagChanges) text += fetchFlagsResponse({ seq, uid, flags, modseq: this.condstore ? modseq : undefined });
    return text;
  }

  /**
   * The queued events as the store would answer MailboxChanges since the view's MODSEQ, when they
   * form an unbroken chain from it (appends with their messages, STOREs with their new flags,
   * expunges: everything that takes a MODSEQ publishes one of these), up to the last one that does;
   * null when the first one is missing or an event does not say enough. Later changes, if any were
   * announced, are asked of the store from the chain's end.
   */
  private eventChain(): (ResponseOf<typeof MailboxChanges> & { arrivals: boolean }) | null {
    const events = this.queued;
    if (!events?.length) return null;
    events.sort((a, b) => a.modseq - b.modseq);
    let modseq = this.view.modseq;
    let uidNext = this.view.uidNext;
    // arrivals above every \Recent claim an appender told on its event: an IMAP4rev1 session claims those in the store
    let lastArrival = 0;
    let claimedUpTo = 0;
    const changed = new Map<number, { uid: number; modseq: number; flags: string[] }>();
    const expunged: number[] = [];
    for (const ev of events) {
      if (ev.modseq <= modseq) continue; // already in the view (our own change, a repeat)
      if (ev.kind === 'appended' && ev.appended?.length) {
        // one MODSEQ per message, in order, as the view's appendedHere requires
        let next = modseq;
        let uid = Math.max(uidNext - 1, this.view.maxUid);
        if (!ev.appended.every((m) => m.modseq === ++next && m.uid > uid && (uid = m.uid))) break;
        for (const m of ev.appended) changed.set(m.uid, m);
        uidNext = uid + 1;
        lastArrival = uid;
        claimedUpTo = Math.max(claimedUpTo, ev.recentUpTo ?? 0);
        modseq = next;
        continue;
      }
      // a STORE or an expunge takes one MODSEQ for all its messages
      if (ev.modseq !== modseq + 1) break;
      if (ev.kind === 'flags' && ev.changed) {
        for (const m of ev.changed) changed.set(m.uid, m);
      } else if (ev.kind === 'expunged') {
        for (const uid of ev.uids) {
          expunged.push(uid);
          changed.delete(uid);
        }
      } else break;
      modseq = ev.modseq;
    }
    if (modseq === this.view.modseq) return null;
    return { changed: [...changed.values()], expunged, highestModseq: modseq, uidNext, arrivals: lastArrival > claimedUpTo };
  }

  /**
   * While the client IDLEs: new messages an `appended` event lists are added from the event when
   * they directly follow the view (no store round trip per delivery for every idling client);
   * anything else, or anything announced beyond them, is asked of the store. An IMAP4rev1 session
   * must still claim the arrivals' \Recent in the store: it asks for the changes since the view's
   * MODSEQ *after* the event, which the store answers with the claim alone when nothing else changed
   * (two statements, not four: MailboxService.changes).
   */
  async catchUp(ev: MailboxChangedEvent): Promise<string> {
    const update = ev.mailboxId === this.view.mailboxId && ev.appended ? this.view.appendedHere(ev.appended) : null;
    if (!update) return this.refresh();
    this.pending = this.announcedModseq > this.view.modseq;
    const text = this.announceKeywords(ev.appended!.map((m) => m.flags)) + existsResponse(update.exists!);
    return this.pending || this.recentMode ? text + (await this.refresh(true)) : text;
  }

  /**
   * EXISTS for our own APPEND to this mailbox, without a store round trip when nothing else changed
   * meanwhile. Our own change event may have arrived first and asked for a refresh: once the view
   * holds the append, only announcements beyond it still need one (anything at or below the new
   * modseq is in the view: the append took the modseq right after the view's).
   */
  ownAppend(res: { uid: number; modseq: number; flags?: string[] }, recent?: RecentRange): string {
    const wasPending = this.pending;
    // an IMAP4rev1 session learns its \Recent from the append's own claim (claimsOwnAppend); without one the refresh claims
    if (this.recentMode && !recent) {
      this.pending = true;
      this.owedUpTo(res.modseq);
      return '';
    }
    this.view.addRecent(recent);
    const update = res.flags ? this.view.appendedHere([{ uid: res.uid, modseq: res.modseq, flags: res.flags }]) : null;
    if (!update) {
      this.pending = true;
      this.owedUpTo(res.modseq);
      // behind other sessions' changes: the append joins the chain as its event would (ADR 0074)
      if (res.flags) {
        const appended = [{ uid: res.uid, modseq: res.modseq, flags: res.flags }];
        this.queueOwn({ kind: 'appended', uids: [res.uid], modseq: res.modseq, appended, ...(recent ? { recentUpTo: recent.upTo } : {}) });
      }
      return '';
    }
    this.pending = wasPending && this.announcedModseq > this.view.modseq;
    return this.announceKeywords([res.flags!]) + existsResponse(update.exists!) + this.recentUpdate(true);
  }

  /** the view lacks our own change at `modseq` (its event may come later): no refresh ends below it */
  private owedUpTo(modseq: number): void {
    this.announcedModseq = Math.max(this.announcedModseq, modseq);
  }

  /**
   * Whether an APPEND to `name` (the store's form) should claim \Recent in the append request
   * itself: an IMAP4rev1 session appending to the mailbox it has selected read-write (ADR 0034).
   */
  claimsOwnAppend(name: string): boolean {
    return this.recentMode === 'claim' && name === this.view.name;
  }

  /**
   * EXPUNGE responses for messages this session removed (EXPUNGE, MOVE), each number counting the
   * earlier ones; one VANISHED for a QRESYNC session.
   */
  expunged(uids: Iterable<number>, modseq?: number): string {
    const all = [...uids];
    const known = all.filter((uid) => this.view.seqOf(uid) > 0);
    const text = this.removals(this.view.remove(known), known);
    // our own EXPUNGE's MODSEQ (MOVE's is the target's business): see followOwn; queued with every
    // UID it removed, also those of arrivals the view has not taken yet
    if (modseq !== undefined && known.length) this.followOwn(modseq, { kind: 'expunged', uids: all });
    return text;
  }

  /**
   * What a client that last knew the mailbox at `modseq` missed (SELECT ... QRESYNC, RFC 7162
   * 3.2.5): VANISHED (EARLIER) for the UIDs expunged since, then the flags of every message
   * changed since, within `knownUids` when the client named them.
   */
  async resynchronise(modseq: number, knownUids: SequenceSet | null): Promise<string> {
    const scope = knownUids ? this.view.uidRanges(knownUids) : null;
    let text = await this.vanishedEarlier(modseq, scope ?? (this.view.uidNext > 1 ? [[1, this.view.uidNext - 1]] : []));
    for (const uid of this.view.changedSince(modseq)) {
      if (scope && !scope.some(([a, b]) => uid >= a && uid <= b)) continue;
      text += fetchFlagsResponse({ seq: this.view.seqOf(uid), uid, flags: this.view.flagsOf(uid), modseq: this.view.modseqOf(uid) });
    }
    return text;
  }

  /**
   * `* VANISHED (EARLIER)` for the UIDs in `ranges` expunged since `modseq` (also UID FETCH's
   * VANISHED modifier). When the store no longer remembers that far back, every UID in the ranges
   * that the mailbox does not hold is reported, which RFC 7162 allows (a client ignores UIDs it
   * never knew).
   */
  async vanishedEarlier(modseq: number, ranges: [number, number][]): Promise<string> {
    if (!ranges.length) return '';
    const res = await this.source.vanishedMessages({ accountId: this.accountId, mailboxId: this.view.mailboxId, sinceModseq: modseq, uids: ranges.slice(0, 10_000) });
    return vanishedResponse(res.complete && ranges.length <= 10_000 ? res.uids : this.view.absentRanges(ranges), true);
  }

  /** EXPUNGE per sequence number, or (QRESYNC) one VANISHED for the UIDs. */
  private removals(seqs: number[], uids: number[]): string {
    if (!seqs.length) return '';
    const hook = this.onRemoved;
    if (this.qresync) {
      // before VANISHED every number is still the one before the removals: each EXPUNGE number plus the earlier removals below it
      const before = hook ? seqs.map((s, i) => s + uids.slice(0, i).filter((u) => u < uids[i]!).length) : [];
      return (hook ? hook(uids, before) : '') + vanishedResponse(toRanges(uids), false);
    }
    let text = '';
    for (let i = 0; i < seqs.length; i++) {
      if (hook) text += hook([uids[i]!], [seqs[i]!]);
      text += expungeResponse(seqs[i]!);
    }
    return text;
  }

  /** The view's UIDs the mailbox no longer holds, from a full listing; null when the store cannot answer. */
  private async listMissing(): Promise<number[] | null> {
    const present = new Set<number>();
    let afterUid = 0;
    try {
      for (;;) {
        const page = await this.source.openMailbox({ accountId: this.accountId, tenant: this.tenant, name: this.view.name, afterUid });
        for (const m of page.messages) present.add(m.uid);
        if (!page.more || !page.messages.length) break;
        afterUid = page.messages[page.messages.length - 1]!.uid;
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not list the mailbox');
      return null;
    }
    // the listing came after the view's UIDs: any of them it lacks is gone
    return this.view.missingFrom(present);
  }

  /**
   * `* n RECENT` when messages arrived (RFC 3501 7.3.2 sends it with EXISTS) or this session's
   * recent count changed otherwise (a claim covering messages already in the view).
   */
  private recentUpdate(arrived: boolean): string {
    if (!this.recentMode) return '';
    const count = this.view.recentCount();
    const told = this.recentTold;
    // (a count that only went down, by expunges, needs no announcement: EXPUNGE said it)
    this.recentTold = count;
    return arrived || count > told ? recentResponse(count) : '';
  }

  private changesRequest(): RequestOf<typeof MailboxChanges> {
    const req: RequestOf<typeof MailboxChanges> = { accountId: this.accountId, mailboxId: this.view.mailboxId, sinceModseq: this.view.modseq };
    if (this.recentMode) req.recent = this.recentMode;
    return req;
  }
}
