export const TRACE_CONFIG = Symbol('TRACE_CONFIG');

export interface TraceConfig {
  /** TRACE_RETENTION_DAYS */
  retentionDays: number;
  /** how often the retention sweep runs; <= 0 leaves it to tests */
  retentionSweepIntervalMs?: number;
  /** batching of the writer (tests write at once) */
  flushMs?: number;
  maxBatch?: number;
}
