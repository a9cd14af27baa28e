/**
 * Sessions held per key (an account) across every replica (issue 14's per-user IMAP limit, ADR
 * 0065). The distributed mode backs it with a JetStream key-value bucket whose entries expire with
 * the replica that wrote them; the embedded mode has none (one process is the whole cluster, and
 * the listener counts in memory).
 */
export abstract class SessionSlots {
  /**
   * One more session of `key` when the cluster holds fewer than `max`: the function that gives the
   * slot back (idempotent), or undefined when the key is at its limit.
   */
  abstract take(key: string, max: number): Promise<(() => void) | undefined>;
  /** gives every slot of this replica back at once (a graceful stop) */
  abstract close(): Promise<void>;
}
