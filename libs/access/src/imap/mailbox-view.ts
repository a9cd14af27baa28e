import type { MailboxInfo, MessageState } from '@mail/contracts';
import { canWrite, resolveSequenceSet, toRanges, type SequenceSet } from '@mail/imap-protocol';

const RECENT = '\\Recent';

function withRecent(flags: string[]): string[] {
  return [...flags, RECENT];
}

/** What a session must tell its client after applying store changes. */
export interface ViewUpdate {
  /** sequence numbers to report as EXPUNGE, in the order to send them */
  expunged: number[];
  /** the same messages by UID (VANISHED, for a QRESYNC session) */
  expungedUids: number[];
  /** new EXISTS count, or null when no message arrived */
  exists: number | null;
  /** messages whose flags changed: [seq, uid, flags, modseq] */
  flagChanges: [number, number, string[], number][];
}

/**
 * The selected mailbox as the client knows it: UIDs in sequence order and their flags, kept in
 * memory so FETCH FLAGS, sequence-number mapping and IDLE updates need no store round trip.
 */
export class MailboxView {
  private uids: number[] = [];
  private readonly flags = new Map<number, string[]>();
  /** each message's MODSEQ, for CONDSTORE's FETCH and SEARCH responses */
  private readonly modseqs = new Map<number, number>();
  /** UID ranges (after, upTo] this session claimed as \Recent (or, read-only, found unclaimed), ascending */
  private recentRanges: [number, number][] = [];
  modseq: number;
  uidNext: number;
  readonly uidValidity: number;
  readonly mailboxId: string;
  readonly name: string;
  /** for a mailbox another account shares (ADR 0044): its owner, whose change events to follow, and the user's rights */
  readonly owner: string | undefined;
  readonly rights: string | undefined;
  /** EXAMINE, or a share that allows no change (RFC 4314: none of s, w, t, e) */
  readonly readOnly: boolean;

  constructor(info: MailboxInfo, readOnly: boolean) {
    this.readOnly = readOnly || (info.rights !== undefined && !canWrite(info.rights));
    this.owner = info.owner;
    this.rights = info.rights;
    this.mailboxId = info.id;
    this.name = info.name;
    this.uidValidity = info.uidValidity;
    this.uidNext = info.uidNext;
    this.modseq = info.highestModseq;
  }

  /** Does the user hold this RFC 4314 right here? (its own mailbox: every right) */
  allows(right: string): boolean {
    return this.rights === undefined || this.rights.includes(right);
  }

  /** loads one page of the open reply (uid order) */
  load(messages: MessageState[]): void {
    for (const m of messages) {
      if (this.uids.length && m.uid <= this.uids[this.uids.length - 1]!) continue;
      this.uids.push(m.uid);
      this.flags.set(m.uid, m.flags);
      this.modseqs.set(m.uid, m.modseq);
    }
  }

  get exists(): number {
    return this.uids.length;
  }

  get maxUid(): number {
    return this.uids.length ? this.uids[this.uids.length - 1]! : 0;
  }

  uidAt(seq: number): number | undefined {
    return this.uids[seq - 1];
  }

  /** 1-based sequence number of a uid, 0 when it is not in the view */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** the message's flags as this session shows them: \Recent added where it is (never stored) */
  flagsOf(uid: number): string[] {
    const flags = this.flags.get(uid) ?? [];
    return this.isRecent(uid) ? withRecent(flags) : flags;
  }

  /** Flags from the store shown to this session: \Recent added where it is. */
  shownFlags(uid: number, stored: string[]): string[] {
    return this.isRecent(uid) ? withRecent(stored) : stored;
  }

  /** Records a \Recent range the store gave this session. */
  addRecent(range: { after: number; upTo: number } | undefined): void {
    if (!range || range.upTo <= range.after) return;
    // the ranges are kept as a union, each UID in at most one: a range given again (each message of a
    // MULTIAPPEND carries its command's claim) or overlapping one held (an EXAMINE session's peek is
    // (watermark, last] every time, covering what it was shown before) counts each UID once
    let after = range.after;
    let upTo = range.upTo;
    const kept: [number, number][] = [];
    for (const [a, b] of this.recentRanges) {
      if (b < after || a > upTo) kept.push([a, b]);
      else {
        after = Math.min(after, a);
        upTo = Math.max(upTo, b);
      }
    }
    kept.push([after, upTo]);
    kept.sort((x, y) => x[0] - y[0]);
    this.recentRanges = kept;
  }

  isRecent(uid: number): boolean {
    for (const [after, upTo] of this.recentRanges) if (uid > after && uid <= upTo) return true;
    return false;
  }

  /** messages in the view that are \Recent for this session (SELECT's and arrivals' `* n RECENT`) */
  recentCount(): number {
    let n = 0;
    for (const [after, upTo] of this.recentRanges) n += this.lowerBound(upTo + 1) - this.lowerBound(after + 1);
    return n;
  }

  /** the UIDs in the view that are \Recent (SEARCH RECENT) */
  recentUids(): number[] {
    const out: number[] = [];
    for (const [after, upTo] of this.recentRanges) for (let i = this.lowerBound(after + 1); i < this.uids.length && this.uids[i]! <= upTo; i++) out.push(this.uids[i]!);
    return out;
  }

  modseqOf(uid: number): number {
    return this.modseqs.get(uid) ?? 0;
  }

  /**
   * The session's own write took `modseq` (a STORE: the store gives one MODSEQ to a whole command).
   * When it directly follows the view's, nothing else changed in between (every change takes the
   * next MODSEQ), so the view is current at it, and the change event coming back needs no request
   * for changes. Otherwise the event is followed as any other.
   */
  followOwnChange(modseq: number): boolean {
    if (modseq !== this.modseq + 1) return false;
    this.modseq = modseq;
    return true;
  }

  /** `modseq`: the message's new MODSEQ when the caller knows it (a STORE's or the store's answer) */
  setFlags(uid: number, given: string[], modseq?: number): boolean {
    const old = this.flags.get(uid);
    if (!old) return false;
    // \Recent is this session's, never stored: a list shown to the client may carry it
    const flags = given.includes(RECENT) ? given.filter((f) => f !== RECENT) : given;
    this.flags.set(uid, flags);
    if (modseq !== undefined) this.modseqs.set(uid, modseq);
    return !sameFlags(old, flags);
  }

  /** sequence number of the first message without \Seen (SELECT's UNSEEN), null when all are seen */
  firstUnseen(): number | null {
    for (let i = 0; i < this.uids.length; i++) {
      // the store keeps system flags in their canonical case
      if (!this.flags.get(this.uids[i]!)!.includes('\\Seen')) return i + 1;
    }
    return null;
  }

  /** every flag in use, for the FLAGS response */
  keywords(): Set<string> {
    const all = new Set<string>();
    for (const f of this.flags.values()) for (const k of f) if (!k.startsWith('\\')) all.add(k);
    return all;
  }

  /**
   * The saved search result (RFC 5182 SEARCHRES, `$`), as UIDs ascending: messages, not numbers,
   * so an expunged one simply drops out (it is no longer in the view). Empty at SELECT/EXAMINE: a
   * new selection is a new view.
   */
  private saved: number[] = [];

  /** Saves a SEARCH's result (UIDs, any order) for `$`. */
  saveResult(uids: Iterable<number>): void {
    this.saved = [...new Set(uids)].sort((a, b) => a - b);
  }

  /** [seq, uid] pairs named by a sequence set or UID set, in sequence order (`$`: the saved result, either way) */
  select(set: SequenceSet, byUid: boolean): [number, number][] {
    const out: [number, number][] = [];
    if (set.saved) {
      for (const uid of this.saved) {
        const seq = this.seqOf(uid);
        if (seq) out.push([seq, uid]);
      }
      return out;
    }
    if (!byUid) {
      for (const [a, b] of resolveSequenceSet(set, this.exists)) for (let s = a; s <= b; s++) out.push([s, this.uids[s - 1]!]);
      return out;
    }
    // "*" in a UID set is the highest UID in use; a range above it still names that message (RFC 3501 6.4.8)
    for (const [a, b] of resolveSequenceSet(set, this.maxUid)) {
      let i = this.lowerBound(a);
      for (; i < this.uids.length && this.uids[i]! <= b; i++) out.push([i + 1, this.uids[i]!]);
    }
    return out;
  }

  /** A UID set the client wrote, as merged ranges (`*` is the highest UID the mailbox gave out). */
  uidRanges(set: SequenceSet): [number, number][] {
    if (set.saved) return toRanges(this.saved);
    return resolveSequenceSet(set, Math.max(this.uidNext - 1, this.maxUid));
  }

  /** The UIDs of the view that are not in `present` (a full listing of the mailbox). */
  missingFrom(present: ReadonlySet<number>): number[] {
    return this.uids.filter((uid) => !present.has(uid));
  }

  /**
   * Within the given ascending, merged UID ranges, the ranges of UIDs the view does not hold: what
   * may have vanished, for a client whose history the store no longer has.
   */
  absentRanges(ranges: ReadonlyArray<readonly [number, number]>): [number, number][] {
    const out: [number, number][] = [];
    for (const [lo, hi] of ranges) {
      let next = lo;
      for (let i = this.lowerBound(lo); i < this.uids.length && this.uids[i]! <= hi; i++) {
        if (this.uids[i]! > next) out.push([next, this.uids[i]! - 1]);
        next = this.uids[i]! + 1;
      }
      if (next <= hi) out.push([next, hi]);
    }
    return out;
  }

  /** UIDs of the view, ascending, with MODSEQ above `modseq` (QRESYNC's changed messages). */
  changedSince(modseq: number): number[] {
    return this.uids.filter((uid) => (this.modseqs.get(uid) ?? 0) > modseq);
  }

  /** Removes uids, returning the sequence numbers to announce in order (each counts the earlier removals). */
  remove(uids: Iterable<number>): number[] {
    const gone = new Set<number>();
    for (const uid of uids) if (this.flags.has(uid)) gone.add(uid);
    if (!gone.size) return [];
    const seqs: number[] = [];
    const kept: number[] = [];
    for (let i = 0; i < this.uids.length; i++) {
      const uid = this.uids[i]!;
      if (gone.has(uid)) {
        seqs.push(i + 1 - seqs.length);
        this.flags.delete(uid);
        this.modseqs.delete(uid);
      } else {
        kept.push(uid);
      }
    }
    this.uids = kept;
    return seqs;
  }

  /** Applies a changes reply (flags, new messages, expunges) and says what to tell the client. */
  apply(changes: { changed: MessageState[]; expunged: number[]; highestModseq: number; uidNext: number }): ViewUpdate {
    const gone = new Set(changes.expunged);
    // in view order and once each, whatever the order and repeats of the store's list (property test)
    const expungedUids = gone.size ? this.uids.filter((uid) => gone.has(uid)) : [];
    const expunged = this.remove(gone);
    const flagChanges: [number, number, string[], number][] = [];
    const arrivals = changes.changed.filter((m) => !this.flags.has(m.uid) && m.uid > this.maxUid && !gone.has(m.uid));
    for (const m of changes.changed) {
      if (this.flags.has(m.uid) && this.setFlags(m.uid, m.flags, m.modseq)) flagChanges.push([this.seqOf(m.uid), m.uid, this.flagsOf(m.uid), m.modseq]);
    }
    arrivals.sort((a, b) => a.uid - b.uid);
    this.load(arrivals);
    this.modseq = Math.max(this.modseq, changes.highestModseq);
    this.uidNext = Math.max(this.uidNext, changes.uidNext);
    return { expunged, expungedUids, exists: arrivals.length ? this.exists : null, flagChanges };
  }

  /**
   * Appends applied without asking the store what changed (our own APPEND, or an `appended` event
   * that lists its messages): only when their modseqs directly follow the view's, one after the
   * other, i.e. nothing else changed in between (every change takes the next modseq), and their
   * UIDs are new and ascending. Otherwise null, nothing is applied, and the caller refreshes from
   * the store.
   */
  appendedHere(messages: ReadonlyArray<{ uid: number; modseq: number; flags: string[] }>): ViewUpdate | null {
    let modseq = this.modseq;
    let uid = Math.max(this.uidNext - 1, this.maxUid);
    for (const m of messages) {
      if (m.modseq !== modseq + 1 || m.uid <= uid) return null;
      modseq = m.modseq;
      uid = m.uid;
    }
    if (!messages.length) return null;
    this.load(messages.map((m) => ({ uid: m.uid, modseq: m.modseq, flags: m.flags })));
    this.modseq = modseq;
    this.uidNext = uid + 1;
    return { expunged: [], expungedUids: [], exists: this.exists, flagChanges: [] };
  }

  private lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export function sameFlags(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a.map((f) => f.toLowerCase()));
  return b.every((f) => set.has(f.toLowerCase()));
}
