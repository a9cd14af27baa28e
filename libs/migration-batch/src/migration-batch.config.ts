import type { SecretBox } from '@mail/secrets';
import type { BatchWorkerConfig, RemoteConnector } from './batch-worker.js';


export interface MigrationBatchConfig {
  /** seals the users' passwords; without it batches cannot be created or run (distributed mode without SECRETS_KEY) */
  secrets: SecretBox | undefined;
  worker: BatchWorkerConfig;
  /** run the workers in this process (false: only answer the batch requests) */
  runWorkers: boolean;
  /** tests only: how a job reaches its source server */
  connect?: RemoteConnector;
}

export const DEFAULT_WORKER_CONFIG: BatchWorkerConfig = {
  concurrency: 4,
  leaseMs: 60_000,
  pollMs: 2_000,
  maxAttempts: 5,
  retryBaseMs: 30_000,
  remoteTimeoutMs: 60_000,
  chunkMessages: 200,
};
