import type { Lease, LeaseKeeper } from './lease-keeper.js';
import type { ClaimedRecipient, QueuedMessage } from './queue.records.js';

export interface HandedOff {
  message: QueuedMessage;
  recipients: ClaimedRecipient[];
  /** kept alive by the replica's lease keeper while held and while delivered */
  lease?: Lease;
}

interface Held extends HandedOff {
  lease: Lease;
}

/**
 * Work this replica enqueued and leased to itself in the same INSERT, handed to its own workers in
 * memory: they deliver it without the claim UPDATE and the message read a queued row costs, and with
 * the index smtp-in carried still in hand, so it never needs writing to the queue row (ADR 0008).
 * The rows are committed before anyone is told 250, as for any enqueue; what is held here is only a
 * shortcut to them. The lease keeper renews held rows with every other lease of the replica; if this
 * replica dies (or cannot renew for a lease's time), the lease expires in the database and any
 * worker claims the rows the usual way.
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
   * @param keeper renews what is held; an entry whose lease is within `marginMs` of running out
   *   (the heartbeat failed meanwhile) is dropped and left to the database's claim
   */
  constructor(
    readonly ownerId: string,
    private readonly keeper: LeaseKeeper,
    private readonly capacity = 1000,
    private readonly marginMs = Math.min(30_000, keeper.leaseMs / 3),
  ) {}

  /** the lease written on handed rows at insert */
  get leaseMs(): number {
    return this.keeper.leaseMs;
  }

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
    const lease = this.keeper.hold(this.ownerId, entry.recipients.map((r) => r.id), startedAt);
    this.held.push({ message: entry.message, recipients: entry.recipients, lease });
    this.heldRecipients += entry.recipients.length;
    return true;
  }

  /** The INSERT failed: nothing to hold. */
  cancel(recipients: number): void {
    this.reserved -= recipients;
  }

  /**
   * Up to about `maxRecipients` recipients (whole messages; at least one message), oldest first.
   * Entries whose lease may have expired are left to the database's claim. The taker drops each
   * entry's lease from the keeper when it is done with it.
   */
  take(maxRecipients: number): HandedOff[] {
    const now = performance.now();
    const out: HandedOff[] = [];
    let n = 0;
    while (this.held.length && (n === 0 || n + this.held[0].recipients.length <= maxRecipients)) {
      const e = this.held.shift() as Held;
      this.heldRecipients -= e.recipients.length;
      const ours = new Set(e.lease.ids);
      const recipients = e.recipients.filter((r) => ours.has(r.id));
      if (e.lease.validUntil - this.marginMs <= now || !recipients.length) {
        this.keeper.drop(e.lease);
        continue;
      }
      out.push({ message: e.message, recipients, lease: e.lease });
      n += recipients.length;
    }
    return out;
  }

  /** The workers stop: nothing more is accepted, and what is held is returned, for release. */
  close(): HandedOff[] {
    this.closed = true;
    for (const e of this.held) this.keeper.drop(e.lease);
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
