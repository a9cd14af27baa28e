import type { SecretBox } from '@mail/secrets';
import type { ImapSessionOpener } from './adapters/imapflow-remote.js';
import type { BatchWorkerConfig } from './batch-worker.js';


export interface MigrationBatchConfig {
  /** seals the users' passwords; without it batches cannot be created or run (distributed mode without SECRETS_KEY) */
  secrets: SecretBox | undefined;
  worker: BatchWorkerConfig;
  /** run the workers in this process (false: only answer the batch requests) */
  runWorkers: boolean;
  /** how a job opens its session to a source server: libs/migration's openImapSession (ADR 0028) */
  openSession: ImapSessionOpener;
}

export const DEFAULT_WORKER_CONFIG: BatchWorkerConfig = {
  concurrency: 4,
  leaseMs: 60_000,
  pollMs: 2_000,
  maxAttempts: 5,
  retryBaseMs: 30_000,
  chunkMessages: 200,
};
