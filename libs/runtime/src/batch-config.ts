import type { BatchEnv } from '@mail/config';

/** Validated environment → libs/migration-batch's config (the migration service and the embedded process alike). */
export function batchConfig(env: BatchEnv) {
  return { worker: batchWorkerConfig(env), runWorkers: env.MIGRATION_BATCH_WORKERS > 0 };
}

function batchWorkerConfig(env: BatchEnv) {
  return {
    concurrency: env.MIGRATION_BATCH_WORKERS,
    pollMs: env.MIGRATION_BATCH_POLL_MS,
    leaseMs: env.MIGRATION_BATCH_LEASE_MS,
    maxAttempts: env.MIGRATION_BATCH_MAX_ATTEMPTS,
    retryBaseMs: env.MIGRATION_BATCH_RETRY_MS,
    chunkMessages: env.MIGRATION_BATCH_CHUNK,
  };
}
