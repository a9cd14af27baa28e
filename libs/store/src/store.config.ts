export interface StoreConfig {
  /** bytes an account may hold when it has no quota of its own; unset = unlimited */
  defaultQuotaBytes?: number;
  /**
   * An unreferenced blob younger than this is kept (and left to the sweep): it may still be on its
   * way to other recipients of the same delivery. Default 1 hour; tests set 0.
   */
  blobGraceSeconds?: number;
  /** how often the sweep of unreferenced blobs runs; 0 disables it (default 10 minutes) */
  gcIntervalMs?: number;
  /**
   * how long an expunged UID is remembered for QRESYNC's VANISHED (EARLIER) (default 90 days; the
   * pruning runs with the blob sweep); a client away longer is told every UID it cannot see
   */
  tombstoneRetentionSeconds?: number;
  /**
   * how often the backfill of thread keys for messages stored before migration 012 runs a few
   * batches until it is done (ADR 0072); 0 disables it (default 10 s; tests run it by hand)
   */
  threadBackfillIntervalMs?: number;
}

export interface StoreSettings {
  defaultQuotaBytes: number | null;
  blobGraceSeconds: number;
  gcIntervalMs: number;
  tombstoneRetentionSeconds: number;
  threadBackfillIntervalMs: number;
}

export function storeSettings(config: StoreConfig): StoreSettings {
  return {
    defaultQuotaBytes: config.defaultQuotaBytes ?? null,
    blobGraceSeconds: config.blobGraceSeconds ?? 3600,
    gcIntervalMs: config.gcIntervalMs ?? 10 * 60_000,
    tombstoneRetentionSeconds: config.tombstoneRetentionSeconds ?? 90 * 86_400,
    threadBackfillIntervalMs: config.threadBackfillIntervalMs ?? 10_000,
  };
}

export const STORE_SETTINGS = Symbol('STORE_SETTINGS');
