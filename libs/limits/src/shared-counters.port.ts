/**
 * Counters every replica adds to (cluster-wide rate limits, ADR 0039): one integer per key and
 * fixed time window. The distributed mode backs it with a JetStream key-value bucket; the embedded
 * mode has none (one process is the whole cluster).
 */
export abstract class SharedCounters {
  /** adds `by` to `key`'s count in window number `window` and returns the cluster's total for it */
  abstract add(key: string, window: number, by: number): Promise<number>;
}
