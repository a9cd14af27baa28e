import { z } from 'zod';
import { ErrorCode, defineEvent, defineRequest } from './contract.js';
import { BlobKey, Id, IsoDate } from './common.schemas.js';
import { AccountQuota } from './quota.contract.js';
import { CarriedIndex, Envelope, MimePart } from './message-index.schemas.js';

/** Inclusive UID ranges, [[1, 10], [15, 15]]; the highest uid of a mailbox is `uidNext - 1`. */
export const UidRanges = z.array(z.tuple([z.number().int().min(1), z.number().int().min(1)])).max(10_000);
export type UidRanges = z.infer<typeof UidRanges>;

export const Flag = z.string().min(1).max(200);
export const SpecialUse = z.enum(['\\Drafts', '\\Sent', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged']);

export const MailboxInfo = z.object({
  id: Id,
  name: z.string(),
  specialUse: SpecialUse.nullable(),
  subscribed: z.boolean(),
  uidValidity: z.number().int().positive(),
  uidNext: z.number().int().positive(),
  highestModseq: z.number().int().nonnegative(),
  messages: z.number().int().nonnegative(),
  unseen: z.number().int().nonnegative(),
  sizeBytes: z.number().int().nonnegative(),
  /** messages no session has claimed as \Recent yet (STATUS RECENT); answered by status and list */
  recent: z.number().int().nonnegative().optional(),
  /** messages flagged \\Deleted, when MailboxStatus asked for them */
  deleted: z.number().int().nonnegative().optional(),
  /**
   * A mailbox another account shares with the caller (ADR 0044): the owner's account (whose change
   * events it gets) and the caller's RFC 4314 rights. Absent: the caller's own mailbox, every right.
   */
  owner: Id.optional(),
  rights: z.string().max(11).optional(),
});
export type MailboxInfo = z.infer<typeof MailboxInfo>;

/**
 * `tenant`: the caller's domain, which `anyone` shares are matched against (ADR 0044); a request
 * without it sees no `anyone` share.
 */
const AccountRef = { accountId: Id, tenant: z.string().max(253).optional() };
const MailboxRef = { ...AccountRef, mailboxId: Id };

/** mailbox names use "/" as hierarchy delimiter; "INBOX" is case-insensitive */
const MailboxName = z.string().min(1).max(512);

/** Lists an account's mailboxes (creating INBOX and the special-use set on first use). */
export const ListMailboxes = defineRequest(
  'store.mailbox.list.v1',
  z.object(AccountRef),
  z.object({
    mailboxes: z.array(MailboxInfo),
    /**
     * every name on the account's subscription list (RFC 3501 6.3.6), a mailbox of that name or not;
     * absent from a store of an earlier release, whose `subscribed` flags are then the list
     */
    subscriptions: z.array(MailboxName).max(100_000).optional(),
  }),
);
export const CreateMailbox = defineRequest(
  'store.mailbox.create.v1',
  /** `subscribed: false`: IMAP's CREATE leaves the subscription list to the client (RFC 3501 6.3.6); default true (admin-made mailboxes) */
  z.object({ ...AccountRef, name: MailboxName, specialUse: SpecialUse.optional(), subscribed: z.boolean().optional() }),
  MailboxInfo,
);
export const DeleteMailbox = defineRequest('store.mailbox.delete.v1', z.object({ ...AccountRef, name: MailboxName }), z.object({ deleted: z.literal(true) }));
export const RenameMailbox = defineRequest(
  'store.mailbox.rename.v1',
  z.object({ ...AccountRef, name: MailboxName, newName: MailboxName }),
  MailboxInfo,
);
export const SubscribeMailbox = defineRequest(
  'store.mailbox.subscribe.v1',
  z.object({ ...AccountRef, name: MailboxName, subscribed: z.boolean() }),
  z.object({ subscribed: z.boolean() }),
);
/** `deleted`: also count the messages flagged \\Deleted (STATUS DELETED, RFC 9051), answered in `deleted` */
export const MailboxStatus = defineRequest('store.mailbox.status.v1', z.object({ ...AccountRef, name: MailboxName, deleted: z.boolean().optional() }), MailboxInfo);

/**
 * IMAP4rev1's \Recent (RFC 3501 2.3.2): `claim` takes every message no session has claimed yet for
 * this session (the first read-write SELECT, then arrivals), atomically, so exactly one session sees
 * a message as recent; `peek` (EXAMINE) reports them without taking them.
 */
export const RecentMode = z.enum(['claim', 'peek']);
export type RecentMode = z.infer<typeof RecentMode>;
/** The UIDs in (after, upTo] are \Recent for the session that asked. */
export const RecentRange = z.object({ after: z.number().int().nonnegative(), upTo: z.number().int().nonnegative() });
export type RecentRange = z.infer<typeof RecentRange>;

/** One message's state as a session keeps it in memory. */
export const MessageState = z.object({ uid: z.number().int().positive(), modseq: z.number().int().nonnegative(), flags: z.array(Flag) });
export type MessageState = z.infer<typeof MessageState>;

/**
 * Open a mailbox for a session: its attributes and the uid/flags/modseq of every message in uid
 * order, paged (`afterUid`) so that a 100k-message mailbox never needs one reply above the bus limit.
 */
export const OpenMailbox = defineRequest(
  'store.mailbox.open.v1',
  z.object({
    ...AccountRef,
    name: MailboxName,
    afterUid: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(20_000).default(20_000),
    /** with the first page (afterUid 0) only */
    recent: RecentMode.optional(),
  }),
  z.object({ mailbox: MailboxInfo, messages: z.array(MessageState), more: z.boolean(), recent: RecentRange.optional() }),
);

/** What changed since a MODSEQ: flag changes and new messages, plus uids expunged since then. */
export const MailboxChanges = defineRequest(
  'store.mailbox.changes.v1',
  z.object({ ...MailboxRef, sinceModseq: z.number().int().nonnegative(), recent: RecentMode.optional() }),
  z.object({
    changed: z.array(MessageState),
    expunged: z.array(z.number().int().positive()),
    highestModseq: z.number().int().nonnegative(),
    uidNext: z.number().int().positive(),
    recent: RecentRange.optional(),
    /**
     * expunges at or below this MODSEQ are forgotten (tombstone retention): `expunged` is complete
     * only when `sinceModseq` is at least this; absent from an earlier store release (always complete)
     */
    vanishedFloor: z.number().int().nonnegative().optional(),
  }),
);

/**
 * QRESYNC's VANISHED (EARLIER) (RFC 7162 3.2.5-6): the UIDs expunged since a MODSEQ, within `uids`
 * when given. `complete: false` when tombstones that old were pruned (or the answer would be too
 * long): the caller must then treat every UID it cannot see as vanished.
 */
export const VanishedMessages = defineRequest(
  'store.mailbox.vanished.v1',
  z.object({ ...MailboxRef, sinceModseq: z.number().int().nonnegative(), uids: UidRanges.optional() }),
  z.object({ uids: UidRanges, complete: z.boolean() }),
);

export const FetchedMessage = z.object({
  uid: z.number().int().positive(),
  modseq: z.number().int().nonnegative(),
  flags: z.array(Flag),
  size: z.number().int().nonnegative(),
  internalDate: IsoDate,
  /** where the body is, and where its header ends: present unless the request said `bodyRefs: false` */
  blobKey: BlobKey.optional(),
  headerSize: z.number().int().nonnegative().optional(),
  envelope: Envelope.optional(),
  /** the ENVELOPE in IMAP syntax (RFC 3501 §7.4.2), rendered once when the message was indexed */
  imapEnvelope: z.string().optional(),
  body: MimePart.optional(),
  /**
   * RFC 8474 EMAILID and THREADID, when the request asked for `objectIds`: the same for every copy
   * of the message in its owner's mailboxes (ADR 0056); THREADID the same for every message of
   * one thread in its owner's mailboxes (ADR 0066; null from a store that did not track threads)
   */
  emailId: z.string().max(255).optional(),
  threadId: z.string().max(255).nullable().optional(),
  /** RFC 8514 SAVEDATE, when the request asked for `saveDate`: when the message was put in this mailbox */
  saveDate: IsoDate.optional(),
});
export type FetchedMessage = z.infer<typeof FetchedMessage>;

/** Message metadata for FETCH; bodies are read from the blob store with `blobKey`. At most `limit` per page. */
export const FetchMessages = defineRequest(
  'store.message.fetch.v1',
  z.object({
    ...MailboxRef,
    uids: UidRanges,
    envelope: z.boolean().default(false),
    /** the envelope as IMAP text, ready to send: what an IMAP server wants, without JSON to parse and render per message */
    imapEnvelope: z.boolean().default(false),
    bodyStructure: z.boolean().default(false),
    /**
     * the blob key and header size, to read body sections with; a FETCH that reads no bodies
     * (ENVELOPE, FLAGS, sizes, dates) leaves them out: a sixth of the bytes of an envelope page
     */
    bodyRefs: z.boolean().default(true),
    /** RFC 8474 EMAILID and THREADID (absent from an earlier access release: not asked) */
    objectIds: z.boolean().optional(),
    /** RFC 8514 SAVEDATE (absent from an earlier access release: not asked) */
    saveDate: z.boolean().optional(),
    limit: z.number().int().min(1).max(5000).default(5000),
  }),
  z.object({ messages: z.array(FetchedMessage), more: z.boolean() }),
);

export type SearchCriterion =
  | { op: 'all' }
  | { op: 'and'; of: SearchCriterion[] }
  | { op: 'or'; of: [SearchCriterion, SearchCriterion] }
  | { op: 'not'; of: SearchCriterion }
  | { op: 'uid'; ranges: [number, number][] }
  | { op: 'flag'; flag: string; set: boolean }
  | { op: 'header'; field: string; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  /** savedate: RFC 8514, when the message was put in the mailbox */
  | { op: 'internaldate' | 'sentdate' | 'savedate'; cmp: 'before' | 'on' | 'since'; date: string }
  | { op: 'size'; cmp: 'larger' | 'smaller'; value: number }
  | { op: 'modseq'; value: number }
  /** RFC 8474 EMAILID, as FetchMessages gives it */
  | { op: 'emailid'; id: string }
  /** RFC 8474 THREADID, as FetchMessages gives it (ADR 0066; an earlier store refuses it) */
  | { op: 'threadid'; id: string };

export const SearchCriterion: z.ZodType<SearchCriterion> = z.lazy(() =>
  z.union([
    z.object({ op: z.literal('all') }),
    z.object({ op: z.literal('and'), of: z.array(SearchCriterion).max(100) }),
    z.object({ op: z.literal('or'), of: z.tuple([SearchCriterion, SearchCriterion]) }),
    z.object({ op: z.literal('not'), of: SearchCriterion }),
    z.object({ op: z.literal('uid'), ranges: UidRanges }),
    z.object({ op: z.literal('flag'), flag: Flag, set: z.boolean() }),
    z.object({ op: z.literal('header'), field: z.string().min(1).max(200), value: z.string().max(1000) }),
    z.object({ op: z.literal('body'), value: z.string().max(1000) }),
    z.object({ op: z.literal('text'), value: z.string().max(1000) }),
    z.object({ op: z.enum(['internaldate', 'sentdate', 'savedate']), cmp: z.enum(['before', 'on', 'since']), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
    z.object({ op: z.literal('size'), cmp: z.enum(['larger', 'smaller']), value: z.number().int().nonnegative() }),
    z.object({ op: z.literal('modseq'), value: z.number().int().nonnegative() }),
    z.object({ op: z.literal('emailid'), id: z.string().max(255) }),
    z.object({ op: z.literal('threadid'), id: z.string().max(255) }),
  ]),
);

export const SearchMessages = defineRequest(
  'store.message.search.v1',
  z.object({ ...MailboxRef, criteria: SearchCriterion }),
  z.object({ uids: z.array(z.number().int().positive()), highestModseq: z.number().int().nonnegative() }),
);

export const UpdateFlags = defineRequest(
  'store.message.flags.v1',
  z.object({
    ...MailboxRef,
    uids: UidRanges,
    mode: z.enum(['add', 'remove', 'replace']),
    flags: z.array(Flag).max(100),
    unchangedSince: z.number().int().nonnegative().optional(),
  }),
  z.object({ updated: z.array(MessageState), conflicts: z.array(z.number().int().positive()) }),
);

/** Remove messages. IMAP passes `onlyDeleted` (only those flagged \Deleted); POP3 names exact uids. */
export const ExpungeMessages = defineRequest(
  'store.message.expunge.v1',
  z.object({ ...MailboxRef, uids: UidRanges.optional(), onlyDeleted: z.boolean().default(true) }),
  z.object({ expunged: z.array(z.number().int().positive()), highestModseq: z.number().int().nonnegative() }),
);

export const CopyMessages = defineRequest(
  'store.message.copy.v1',
  z.object({
    ...MailboxRef,
    uids: UidRanges,
    target: MailboxName,
    move: z.boolean().default(false),
    /** the account's limits from the directory (COPY only: a MOVE adds nothing); absent: the store's own */
    quota: AccountQuota.optional(),
  }),
  z.object({ targetUidValidity: z.number().int().positive(), mapping: z.array(z.tuple([z.number().int(), z.number().int()])) }),
);

/**
 * Record a message (already in the blob store) in a mailbox. `idempotencyKey` makes retries safe:
 * a second append with the same key returns the first result instead of a duplicate.
 */
export const AppendMessage = defineRequest(
  'store.message.append.v1',
  z.object({
    ...AccountRef,
    mailbox: MailboxName.default('INBOX'),
    /**
     * Append to the account's mailbox with this special-use attribute instead (RFC 6154), whatever
     * its name; when it has none, `mailbox` is created with the attribute (or, if a mailbox of that
     * name exists, used as it is).
     */
    specialUse: SpecialUse.optional(),
    blobKey: BlobKey,
    size: z.number().int().nonnegative(),
    internalDate: IsoDate.optional(),
    flags: z.array(Flag).max(100).default([]),
    idempotencyKey: z.string().max(200).optional(),
    /**
     * The blob's MessageIndex (see CarriedIndex). In a batch it need come only once per blob: the
     * store uses it for every item with that blob key.
     */
    index: CarriedIndex.optional(),
    /** the directory's limits for the account (delivery passes them); without them the store's own apply */
    quota: AccountQuota.optional(),
    /**
     * An IMAP4rev1 session appending to the mailbox it has selected read-write: claim \Recent
     * (as MailboxChanges' `claim`) once the message is in, answered in `recent`, so the session
     * needs no changes request to learn it (ADR 0034)
     */
    recent: z.literal('claim').optional(),
    /**
     * The body is a row committed without its own WAL flush (a put that answered `deferred`, ADR
     * 0067): the append's statement writes the message only where that row is visible to it, and
     * otherwise makes the body durable first (`BlobStore.flushPut`) or, when it is gone, answers
     * UNAVAILABLE (ADR 0073)
     */
    bodyUnflushed: z.boolean().optional(),
    /**
     * In the process that runs the store's append only (access, ADR 0073): the body's bytes, held
     * by a put with `flush: 'by-caller'`, which the append's statement writes as the body's row.
     * Never over the bus (bodies do not travel there; JSON makes it no Buffer, which this refuses).
     */
    inlineBody: z.instanceof(Buffer).optional(),
  }),
  z.object({
    mailboxId: Id,
    uid: z.number().int().positive(),
    uidValidity: z.number().int().positive(),
    modseq: z.number().int().nonnegative(),
    duplicate: z.boolean(),
    /** the flags as stored (canonical, deduplicated); absent for a duplicate */
    flags: z.array(Flag).optional(),
    /** what the `recent: 'claim'` took (possibly nothing: another session was first) */
    recent: RecentRange.optional(),
  }),
);

/**
 * Several appends in one request (the delivery queue hands over what one worker claimed): one bus
 * round trip instead of one per message. Each item succeeds or fails on its own; results come in
 * the order of the items.
 */
export const AppendMessages = defineRequest(
  'store.message.append-batch.v1',
  z.object({ items: z.array(AppendMessage.request).min(1).max(100) }),
  z.object({
    results: z.array(
      z.discriminatedUnion('ok', [
        z.object({ ok: z.literal(true), result: AppendMessage.response }),
        z.object({ ok: z.literal(false), code: ErrorCode, message: z.string().max(2000) }),
      ]),
    ),
  }),
);

/** Deletes everything an account has (after the directory removed it). */
export const PurgeAccount = defineRequest('store.account.purge.v1', z.object(AccountRef), z.object({ messages: z.number().int() }));

export const StorePing = defineRequest('store.ping.v1', z.object({}), z.object({ ok: z.literal(true) }));

/**
 * Published on `store.mailbox.changed.v1.<accountId>` after every committed change, so sessions on
 * any replica update their view (IDLE pushes EXISTS/EXPUNGE/FETCH).
 */
export const MailboxChanged = defineEvent(
  'store.mailbox.changed.v1',
  z.object({
    accountId: Id,
    mailboxId: Id,
    mailbox: z.string(),
    kind: z.enum(['appended', 'flags', 'expunged', 'created', 'deleted', 'renamed']),
    uids: z.array(z.number().int().positive()),
    modseq: z.number().int().nonnegative(),
    /**
     * For `appended` by an append: each message as stored, in modseq order. A session whose view is
     * at the first one's modseq − 1 adds them without asking the store (MailboxChanges); any gap
     * (another change in between, an event lost or overtaken) and it asks as before.
     */
    appended: z.array(z.object({ uid: z.number().int().positive(), modseq: z.number().int().positive(), flags: z.array(z.string()) })).max(1000).optional(),
    /**
     * For `flags` by a STORE: each message whose flags changed, with its flags and modseq after the
     * change (all the same modseq). With `appended` and an `expunged` event's UIDs, a session whose
     * view directly precedes a chain of such events applies them without asking the store.
     */
    changed: z.array(z.object({ uid: z.number().int().positive(), modseq: z.number().int().positive(), flags: z.array(z.string()) })).max(1000).optional(),
    /**
     * For `appended` by an IMAP4rev1 session's own APPEND that claimed \Recent in its statement
     * (ADR 0034): the mailbox's \Recent watermark after it, at least this UID. Every message at or
     * below it is some session's \Recent already, so other sessions need not ask the store to claim
     * them (ADR 0074). Absent: nobody claimed; an older `access` ignores it.
     */
    recentUpTo: z.number().int().nonnegative().optional(),
    /** For `renamed`: the name the mailbox had before (IMAP NOTIFY's MailboxName reports it as OLDNAME, RFC 5465 5.4) */
    oldName: z.string().optional(),
  }),
);

/**
 * Published on `store.subscription.changed.v1.<accountId>` when a name is added to or removed from
 * the account's subscription list (IMAP NOTIFY's SubscriptionChange, RFC 5465 5.5); the name need
 * not be a mailbox (RFC 3501 6.3.6).
 */
export const SubscriptionChanged = defineEvent('store.subscription.changed.v1', z.object({ accountId: Id, name: z.string(), subscribed: z.boolean() }));
