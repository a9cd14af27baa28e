import type { BatchEnv } from '@mail/config';

/** Validated environment → libs/migration-batch's worker config (the migration service and the embedded process alike). */
export function batchWorkerConfig(env: BatchEnv) {
  return {
    concurrency: env.MIGRATION_BATCH_WORKERS,
    pollMs: env.MIGRATION_BATCH_POLL_MS,
    leaseMs: env.MIGRATION_BATCH_LEASE_MS,
    maxAttempts: env.MIGRATION_BATCH_MAX_ATTEMPTS,
    retryBaseMs: env.MIGRATION_BATCH_RETRY_MS,
    remoteTimeoutMs: env.MIGRATION_BATCH_REMOTE_TIMEOUT_MS,
    chunkMessages: env.MIGRATION_BATCH_CHUNK,
  };
}
