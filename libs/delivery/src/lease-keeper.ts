import type { Logger } from '@mail/telemetry';
import { deliveryMetrics } from './delivery-metrics.js';

/** Queue rows one owner (`leased_by`) holds, and until when (performance.now() clock) the database is known to keep them ours. */
export class Lease {
  constructor(
    readonly owner: string,
    /** the recipient rows still ours; a renewal that finds one taken over removes it */
    public ids: string[],
    public validUntil: number,
  ) {}
}

/** The one statement the keeper needs: renew these (owner, id) pairs, answer the ids still ours. */
export interface LeaseRenewer {
  renewHeld(held: Array<{ owner: string; id: string }>, leaseMs: number): Promise<string[]>;
}

/**
 * Keeps every lease this replica holds alive with one heartbeat (ADR 0036): recipients handed off
 * in memory and batches being delivered are renewed together, every `renewEveryMs`, in one
 * statement. Leases are therefore short (`QUEUE_LEASE_MS`, 15 s by default): a replica killed with
 * SIGKILL stops renewing, and its rows are due for any other worker a lease later, while a live
 * worker on a slow transfer keeps its rows however long the transfer takes.
 *
 * Only rows explicitly held are renewed (never "everything leased by me"): a row whose state change
 * failed (the database was away) is let go after one lease instead of being kept forever.
 */
export class LeaseKeeper {
  private readonly held = new Set<Lease>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly repo: LeaseRenewer,
    readonly leaseMs: number,
    private readonly logger?: Logger,
    readonly renewEveryMs = Math.max(50, Math.floor(leaseMs / 3)),
  ) {}

  /** Starts keeping `ids` of `owner`, leased (by the database) at `since`. */
  hold(owner: string, ids: string[], since = performance.now()): Lease {
    const lease = new Lease(owner, ids, since + this.leaseMs);
    this.held.add(lease);
    return lease;
  }

  /** The rows are done with (delivered, deferred, released): renewing them stops. */
  drop(lease: Lease | undefined): void {
    if (lease) this.held.delete(lease);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renewNow(), this.renewEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.held.size;
  }

  /** One heartbeat (the timer's; tests call it directly). A heartbeat still running is not doubled. */
  renewNow(): Promise<void> {
    if (this.renewing) return this.renewing;
    const leases = [...this.held];
    if (!leases.length) return Promise.resolve();
    const startedAt = performance.now();
    const pairs = leases.flatMap((l) => l.ids.map((id) => ({ owner: l.owner, id })));
    this.renewing = this.repo
      .renewHeld(pairs, this.leaseMs)
      .then((kept) => {
        const ours = new Set(kept);
        for (const l of leases) {
          // a row not renewed is finished meanwhile (its lease cleared) or, after a renewal gap
          // longer than the lease, claimed by another worker: either way no longer ours to work on
          l.ids = l.ids.filter((id) => ours.has(id));
          l.validUntil = startedAt + this.leaseMs;
        }
        deliveryMetrics.leaseRenewal('ok');
      })
      .catch((err) => {
        deliveryMetrics.leaseRenewal('failed');
        this.logger?.warn({ err: String(err), leases: leases.length }, 'could not renew queue leases; they expire unless the next heartbeat succeeds');
      })
      .finally(() => (this.renewing = undefined));
    return this.renewing;
  }
}
