import type { ClaimedRecipient, QueuedMessage } from './queue.records.js';

export interface HandedOff {
  message: QueuedMessage;
  recipients: ClaimedRecipient[];
}

interface Held extends HandedOff {
  /** performance.now() after which the lease may have run out in the database */
  staleAt: number;
}

/**
 * Work this replica enqueued and leased to itself in the same INSERT, handed to its own workers in
 * memory: they deliver it without the claim UPDATE and the message read a queued row costs, and with
 * the index smtp-in carried still in hand, so it never needs writing to the queue row (ADR 0008).
 * The rows are committed before anyone is told 250, as for any enqueue; what is held here is only a
 * shortcut to them. If this replica dies, or a message waits here longer than its lease, the lease
 * expires in the database and any worker claims the rows the usual way.
 *
 * Bounded by recipients held (counting those whose INSERT is in flight), so a replica that receives
 * faster than it delivers leaves the rest in the queue for every replica to claim.
 */
export class Handoff {
  private held: Held[] = [];
  private heldRecipients = 0;
  private reserved = 0;
  private closed = true;

  /**
   * @param ownerId the lease owner written on handed rows (`leased_by`), one per replica
   * @param leaseMs the lease written on them; an entry older than `leaseMs - marginMs` is dropped
   */
  constructor(
    readonly ownerId: string,
    readonly leaseMs: number,
    private readonly capacity = 1000,
    private readonly marginMs = Math.min(30_000, leaseMs / 3),
  ) {}

  /** Room for `recipients` more (a hand-off about to be inserted)? If so it is counted until `push` or `cancel`. */
  reserve(recipients: number): boolean {
    if (this.closed || this.heldRecipients + this.reserved + recipients > this.capacity) return false;
    this.reserved += recipients;
    return true;
  }

  /** Its rows are committed. False when the workers stopped meanwhile: the caller must release the rows. */
  push(entry: HandedOff, startedAt: number): boolean {
    this.reserved -= entry.recipients.length;
    if (this.closed) return false;
    this.held.push({ ...entry, staleAt: startedAt + this.leaseMs - this.marginMs });
    this.heldRecipients += entry.recipients.length;
    return true;
  }

  /** The INSERT failed: nothing to hold. */
  cancel(recipients: number): void {
    this.reserved -= recipients;
  }

  /**
   * Up to about `maxRecipients` recipients (whole messages; at least one message), oldest first.
   * Entries whose lease may have expired are left to the database's claim.
   */
  take(maxRecipients: number): HandedOff[] {
    const now = performance.now();
    const out: HandedOff[] = [];
    let n = 0;
    while (this.held.length && (n === 0 || n + this.held[0].recipients.length <= maxRecipients)) {
      const e = this.held.shift() as Held;
      this.heldRecipients -= e.recipients.length;
      if (e.staleAt <= now) continue;
      out.push({ message: e.message, recipients: e.recipients });
      n += e.recipients.length;
    }
    return out;
  }

  /** The workers stop: nothing more is accepted, and what is held is returned, for release. */
  close(): HandedOff[] {
    this.closed = true;
    const left = this.held.map(({ message, recipients }) => ({ message, recipients }));
    this.held = [];
    this.heldRecipients = 0;
    return left;
  }

  /** The workers start (again); until then nothing is handed off. */
  open(): void {
    this.closed = false;
  }
}
