import type { MailboxInfo, SubscriptionChanged, EventOf } from '@mail/contracts';
import { mailboxNameResponse, metadataChangeResponse, notificationOverflowResponse, statusResponse, type NotifyFilter, type NotifyGroup } from '@mail/imap-protocol';
import type { AclChangedEvent, ChangeSubscription, MailboxChangedEvent, MetadataChangedEvent } from '../ports/change-feed.port.js';
import { DELIMITER } from './mailbox-list.js';

/** RFC 5465 events this server reports; the rest are refused with NO [BADEVENT] */
export const SUPPORTED_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName', 'SubscriptionChange', 'MailboxMetadataChange', 'ServerMetadataChange'] as const;

export type SubscriptionChangedEvent = EventOf<typeof SubscriptionChanged>;

/** at most this many notifications wait for the client; one more and NOTIFY switches itself off (RFC 5465 5.8) */
export const MAX_QUEUED = 1000;
/** other accounts whose change events one session follows for shared mailboxes */
const MAX_OWNERS = 50;

/** What a visible mailbox is to this session: its name as the user sees it, its owner, the user's rights. */
interface Known {
  name: string;
  /** undefined: the user's own */
  owner: string | undefined;
  /** the owner's name of it (differs from `name` for a shared mailbox) */
  ownerName: string;
  rights: string;
}

/** What the watch needs of its session and the store. */
export interface NotifyHost {
  readonly accountId: string;
  /** the selected mailbox's id, whose changes are not this watch's business */
  selectedId(): string | undefined;
  /** the mailboxes the user sees now (own and shared, with rights) and its subscription list */
  list(): Promise<{ mailboxes: MailboxInfo[]; subscriptions: Set<string> }>;
  /** one mailbox's counters as the user may see them (the store checks the user's rights again) */
  status(name: string): Promise<MailboxInfo>;
  subscribeOwner(ownerId: string, handler: (ev: MailboxChangedEvent) => void): Promise<ChangeSubscription>;
  subscribeSubscriptions(handler: (ev: SubscriptionChangedEvent) => void): Promise<ChangeSubscription>;
  /** annotation changes of an account (the user's own, or an owner's whose mailbox the user sees) */
  subscribeMetadata(accountId: string, handler: (ev: MetadataChangedEvent) => void): Promise<ChangeSubscription>;
  /** rights changes in the user's tenant */
  subscribeAcl(handler: (ev: AclChangedEvent) => void): Promise<ChangeSubscription>;
  /** sends the queued notifications now if no command is in progress (else after the next one) */
  wake(): void;
  utf8: boolean;
}

type Queued = { kind: 'status'; mailboxId: string } | { kind: 'text'; text: string };

/**
 * One session's NOTIFY SET (RFC 5465): which mailboxes and events it asked for, the change events
 * of other mailboxes than the selected one turned into STATUS and LIST responses, queued until the
 * session may send them. Own mailboxes are matched by name as events arrive (a mailbox created
 * later matches a subtree); another account's mailbox only when it was visible to the user with
 * the right the response needs (`r` for STATUS, `l` for LIST) when NOTIFY was set or last re-listed,
 * so nothing is told about a mailbox the user may not see (ADR 0064).
 */
export class NotifyWatch {
  private readonly known = new Map<string, Known>();
  private subscriptions = new Set<string>();
  private readonly queue = new Map<string, Queued>();
  private seq = 0;
  private readonly subs: ChangeSubscription[] = [];
  /** the followed owners of shared mailboxes: their change feed (and annotation changes, if asked) */
  private readonly owners = new Map<string, ChangeSubscription[]>();
  /** a re-listing after a rights change, and whether another one is due when it ends */
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private stopped = false;
  overflowed = false;

  constructor(
    private readonly host: NotifyHost,
    readonly groups: readonly NotifyGroup[],
  ) {}

  /** the selected-mailbox group, if the client gave one */
  get selectedGroup(): NotifyGroup | undefined {
    return this.groups.find((g) => g.filter.kind === 'selected' || g.filter.kind === 'selected-delayed');
  }

  /** Whether a change of the selected mailbox is pushed at once rather than at the next command. */
  pushesSelected(ev: MailboxChangedEvent): boolean {
    const g = this.selectedGroup;
    if (!g) return false;
    const has = (n: string) => g.events.some((e) => e.name === n);
    if (ev.kind === 'appended') return has('MessageNew');
    // selected-delayed: EXPUNGE waits for a command that allows it (RFC 5465 5.2 / RFC 3501 7.4.1)
    if (ev.kind === 'expunged') return g.filter.kind === 'selected' && has('MessageExpunge');
    if (ev.kind === 'flags') return has('FlagChange');
    return false;
  }

  /** MessageNew's fetch attributes for the selected mailbox, if any */
  get selectedFetch() {
    return this.selectedGroup?.events.find((e) => e.name === 'MessageNew')?.fetch;
  }

  /**
   * Loads what the user sees and follows the owners of shared mailboxes the groups may match.
   * Returns the initial STATUS responses (NOTIFY SET STATUS) for the mailboxes with message events.
   */
  async start(withStatus: boolean): Promise<string> {
    const { mailboxes, subscriptions } = await this.host.list();
    this.remember(mailboxes, subscriptions);
    await this.follow(mailboxes);
    if (this.groups.some((g) => g.filter.kind === 'subscribed' || g.events.some((e) => e.name === 'SubscriptionChange'))) {
      this.subs.push(await this.host.subscribeSubscriptions((ev) => this.onSubscription(ev)));
    }
    if (this.asks('MailboxMetadataChange') || this.asks('ServerMetadataChange')) {
      this.subs.push(await this.host.subscribeMetadata(this.host.accountId, (ev) => this.onMetadata(ev)));
    }
    // only a filter that can name another account's mailbox needs to hear of shares (ADR 0072)
    if (this.groups.some((g) => g.events.length && (g.filter.kind === 'subscribed' || g.filter.kind === 'subtree' || g.filter.kind === 'mailboxes'))) {
      this.subs.push(await this.host.subscribeAcl((ev) => this.onAcl(ev)));
    }
    if (!withStatus) return '';
    let text = '';
    for (const m of mailboxes) {
      if (m.id === this.host.selectedId()) continue;
      const events = this.eventsFor(m.name, m.owner);
      if (!events.has('MessageNew') || !mayRead(m.rights)) continue;
      text += this.statusLine(m, events.has('FlagChange'));
    }
    return text;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    const subs = [...this.subs.splice(0), ...[...this.owners.values()].flat()];
    this.owners.clear();
    await Promise.all(subs.map((s) => s.unsubscribe().catch(() => undefined)));
  }

  /** whether any group asks for this event */
  private asks(name: string): boolean {
    return this.groups.some((g) => g.events.some((e) => e.name === name));
  }

  /**
   * Follows the owners of the shared mailboxes the groups take in (at most MAX_OWNERS), and stops
   * following those none of them belongs to any more.
   */
  private async follow(mailboxes: readonly MailboxInfo[]): Promise<void> {
    const wanted = new Set<string>();
    for (const m of mailboxes) if (m.owner && wanted.size < MAX_OWNERS && this.groupsFor(m.name, m.owner).length) wanted.add(m.owner);
    for (const [owner, subs] of this.owners) {
      if (wanted.has(owner)) continue;
      this.owners.delete(owner);
      await Promise.all(subs.map((s) => s.unsubscribe().catch(() => undefined)));
    }
    for (const owner of wanted) {
      if (this.owners.has(owner) || this.stopped) continue;
      const subs: ChangeSubscription[] = [];
      this.owners.set(owner, subs);
      subs.push(await this.host.subscribeOwner(owner, (ev) => this.onEvent(ev)));
      if (this.asks('MailboxMetadataChange')) subs.push(await this.host.subscribeMetadata(owner, (ev) => this.onMetadata(ev)));
      // stopped while subscribing: stop() did not see these
      if (this.stopped) await Promise.all(subs.map((s) => s.unsubscribe().catch(() => undefined)));
    }
  }

  /**
   * Someone's rights on a mailbox of the tenant changed: when the user is the grantee (or `anyone`
   * is), what it sees is listed again, so a mailbox shared after NOTIFY SET is watched and an
   * unshared one forgotten (MailboxName reports them as created and deleted, as they appear to the
   * user). One re-listing at a time; changes during one cause one more.
   */
  onAcl(ev: AclChangedEvent): void {
    if (this.stopped || ev.ownerId === this.host.accountId) return;
    if (ev.granteeId !== null && ev.granteeId !== this.host.accountId) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        await this.relist().catch(() => undefined);
      } while (this.refreshAgain && !this.stopped);
      this.refreshing = null;
    })();
  }

  /** for tests and orderly shutdowns: the re-listing in progress, if any */
  settled(): Promise<void> {
    return this.refreshing ?? Promise.resolve();
  }

  private async relist(): Promise<void> {
    const { mailboxes } = await this.host.list();
    if (this.stopped) return;
    const shared = mailboxes.filter((m) => m.owner);
    const ids = new Set(shared.map((m) => m.id));
    const told: string[] = [];
    for (const [id, k] of this.known) {
      if (!k.owner || ids.has(id)) continue;
      this.known.delete(id);
      if (k.rights.includes('l') && this.eventsFor(k.name, k.owner).has('MailboxName')) told.push(mailboxNameResponse(['\\NonExistent'], DELIMITER, k.name, null, this.host.utf8));
    }
    for (const m of shared) {
      const fresh = !this.known.has(m.id);
      this.remember([m], this.subscriptions);
      if (fresh && this.eventsFor(m.name, m.owner).has('MailboxName')) told.push(mailboxNameResponse([], DELIMITER, m.name, null, this.host.utf8));
    }
    // followed before the client hears of the mailbox, so what it does next is not missed
    await this.follow(mailboxes);
    if (this.stopped) return;
    for (const text of told) this.enqueue(`t:${this.seq++}`, { kind: 'text', text });
  }

  /**
   * RFC 5465 5.7-5.8: annotations changed. The server's (the user's own account's) go to a session
   * that asked ServerMetadataChange; a mailbox's to one whose groups ask MailboxMetadataChange for
   * it. Another account's mailbox: only its /shared entries, and only with `l` and `r` (what
   * GETMETADATA needs there, ADR 0065); its owner's /private entries are nobody else's business.
   */
  onMetadata(ev: MetadataChangedEvent): void {
    if (this.stopped) return;
    const own = ev.accountId === this.host.accountId;
    if (ev.mailboxId === null) {
      if (own && this.asks('ServerMetadataChange')) this.enqueue(`t:${this.seq++}`, { kind: 'text', text: metadataChangeResponse('', ev.entries, this.host.utf8) });
      return;
    }
    const known = own ? undefined : this.known.get(ev.mailboxId);
    if (!own && !known) return;
    const name = known?.name ?? ev.mailbox;
    const selected = ev.mailboxId === this.host.selectedId() ? this.selectedGroup : undefined;
    const events = selected ? new Set(selected.events.map((e) => e.name)) : this.eventsFor(name, known?.owner);
    if (!events.has('MailboxMetadataChange')) return;
    let entries = ev.entries;
    if (known) {
      if (!known.rights.includes('l') || !known.rights.includes('r')) return;
      entries = entries.filter((e) => e.startsWith('/shared/'));
    }
    if (entries.length) this.enqueue(`t:${this.seq++}`, { kind: 'text', text: metadataChangeResponse(name, entries, this.host.utf8) });
  }

  /** stopped (NOTIFY NONE, a later SET, or an overflow) */
  get ended(): boolean {
    return this.stopped;
  }

  get hasQueued(): boolean {
    return this.queue.size > 0 || this.overflowed;
  }

  /** A change event of the user's own account (the session passes them on) or of a followed owner. */
  onEvent(ev: MailboxChangedEvent): void {
    if (this.stopped) return;
    const own = ev.accountId === this.host.accountId;
    let known = this.known.get(ev.mailboxId);
    if (!own && !known) return; // another account's mailbox the user was not shown
    if (own && (!known || ev.kind === 'renamed' || ev.kind === 'created')) {
      known = { name: ev.mailbox, owner: undefined, ownerName: ev.mailbox, rights: '' };
      if (ev.kind !== 'deleted') this.known.set(ev.mailboxId, known);
    }
    if (!known) return;
    if (ev.kind === 'created' || ev.kind === 'deleted' || ev.kind === 'renamed') return this.mailboxName(ev, known, own);
    if (ev.mailboxId === this.host.selectedId()) return;
    const events = this.eventsFor(known.name, known.owner);
    const wanted = (ev.kind === 'appended' && events.has('MessageNew')) || (ev.kind === 'expunged' && events.has('MessageExpunge')) || (ev.kind === 'flags' && events.has('FlagChange'));
    if (!wanted || (known.owner && !mayRead(known.rights))) return;
    this.enqueue(`s:${ev.mailboxId}`, { kind: 'status', mailboxId: ev.mailboxId });
  }

  onSubscription(ev: SubscriptionChangedEvent): void {
    if (this.stopped || ev.accountId !== this.host.accountId) return;
    if (ev.subscribed) this.subscriptions.add(ev.name);
    else this.subscriptions.delete(ev.name);
    if (!this.eventsFor(ev.name, undefined).has('SubscriptionChange')) return;
    this.enqueue(`t:${this.seq++}`, { kind: 'text', text: mailboxNameResponse(ev.subscribed ? ['\\Subscribed'] : [], DELIMITER, ev.name, null, this.host.utf8) });
  }

  /**
   * The responses waiting, in order; STATUS asked of the store now (one request per mailbox
   * however many events it had). A mailbox the store no longer shows the user is left out.
   */
  async drain(): Promise<string> {
    if (this.overflowed) {
      this.overflowed = false;
      return notificationOverflowResponse();
    }
    const items = [...this.queue.values()];
    this.queue.clear();
    let text = '';
    for (const item of items) {
      if (item.kind === 'text') {
        text += item.text;
        continue;
      }
      const known = this.known.get(item.mailboxId);
      if (!known || item.mailboxId === this.host.selectedId()) continue;
      try {
        const info = await this.host.status(known.name);
        if (info.id !== item.mailboxId || (info.owner && !mayRead(info.rights))) continue;
        text += this.statusLine(info, this.eventsFor(known.name, known.owner).has('FlagChange'));
      } catch {
        // gone, or no longer readable by the user: nothing to tell
      }
    }
    return text;
  }

  private mailboxName(ev: MailboxChangedEvent, known: Known, own: boolean): void {
    if (own) {
      const oldName = ev.kind === 'renamed' ? (ev.oldName ?? null) : null;
      if (ev.kind === 'deleted') this.known.delete(ev.mailboxId);
      const matches = this.eventsFor(ev.mailbox, undefined).has('MailboxName') || (oldName !== null && this.eventsFor(oldName, undefined).has('MailboxName'));
      if (!matches) return;
      const attrs = ev.kind === 'deleted' ? ['\\NonExistent'] : [];
      this.enqueue(`t:${this.seq++}`, { kind: 'text', text: mailboxNameResponse(attrs, DELIMITER, ev.mailbox, oldName, this.host.utf8) });
      return;
    }
    // another account's mailbox: told only under the name the user sees, with the `l` right
    if (!this.eventsFor(known.name, known.owner).has('MailboxName') || !known.rights.includes('l')) return;
    if (ev.kind === 'deleted') {
      this.known.delete(ev.mailboxId);
      this.enqueue(`t:${this.seq++}`, { kind: 'text', text: mailboxNameResponse(['\\NonExistent'], DELIMITER, known.name, null, this.host.utf8) });
      return;
    }
    if (ev.kind === 'renamed' && known.name.endsWith(known.ownerName)) {
      const oldName = known.name;
      known.name = known.name.slice(0, known.name.length - known.ownerName.length) + ev.mailbox;
      known.ownerName = ev.mailbox;
      this.enqueue(`t:${this.seq++}`, { kind: 'text', text: mailboxNameResponse([], DELIMITER, known.name, oldName, this.host.utf8) });
    }
  }

  private enqueue(key: string, item: Queued): void {
    if (this.overflowed) return;
    if (!this.queue.has(key) && this.queue.size >= MAX_QUEUED) {
      // RFC 5465 5.8: tell the client once, and behave as after NOTIFY NONE
      this.overflowed = true;
      this.queue.clear();
      void this.stop();
      this.stopped = true;
      this.host.wake();
      return;
    }
    this.queue.set(key, item);
    this.host.wake();
  }

  private remember(mailboxes: MailboxInfo[], subscriptions: Set<string>): void {
    this.subscriptions = subscriptions;
    for (const m of mailboxes) {
      const ownerName = m.owner ? m.name.slice(m.name.indexOf(DELIMITER, m.name.indexOf(DELIMITER) + 1) + 1) : m.name;
      this.known.set(m.id, { name: m.name, owner: m.owner, ownerName, rights: m.rights ?? '' });
    }
  }

  private statusLine(m: MailboxInfo, modseq: boolean): string {
    const items: [string, number][] = [
      ['MESSAGES', m.messages],
      ['UIDNEXT', m.uidNext],
      ['UIDVALIDITY', m.uidValidity],
    ];
    if (modseq) items.push(['HIGHESTMODSEQ', m.highestModseq]);
    return statusResponse(m.name, items, this.host.utf8);
  }

  private groupsFor(name: string, owner: string | undefined): NotifyGroup[] {
    return this.groups.filter((g) => matches(g.filter, name, owner === undefined, this.subscriptions));
  }

  /** the events the non-selected groups ask for about a mailbox */
  private eventsFor(name: string, owner: string | undefined): Set<string> {
    const out = new Set<string>();
    for (const g of this.groupsFor(name, owner)) for (const e of g.events) out.add(e.name);
    return out;
  }
}

function mayRead(rights: string | undefined): boolean {
  return rights === undefined || rights.includes('r');
}

/** Does a (non-selected) filter take in this mailbox? RFC 5465 6. */
export function matches(filter: NotifyFilter, name: string, own: boolean, subscriptions: ReadonlySet<string>): boolean {
  switch (filter.kind) {
    case 'selected':
    case 'selected-delayed':
      return false;
    case 'inboxes':
      // mail is delivered to INBOX only here (no Sieve fileinto yet)
      return own && name === 'INBOX';
    case 'personal':
      return own;
    case 'subscribed':
      return subscriptions.has(name);
    case 'subtree':
      return filter.mailboxes.some((m) => name === m || name.startsWith(m + DELIMITER));
    case 'mailboxes':
      return filter.mailboxes.includes(name);
  }
}
