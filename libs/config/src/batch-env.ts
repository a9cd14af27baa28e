import { z } from 'zod';

/** Migration batches (ADR 0030): the workers that copy users' mailboxes in from another IMAP server. */
export const BatchEnv = z.object({
  /** users one replica copies at the same time (each one IMAP connection to a source host); 0: this process runs no workers */
  MIGRATION_BATCH_WORKERS: z.coerce.number().int().min(0).max(256).default(4),
  /** how often an idle worker looks for users to copy */
  MIGRATION_BATCH_POLL_MS: z.coerce.number().int().min(20).default(2_000),
  /** a worker's claim on a user, renewed after every chunk; a replica that dies leaves its users to others after this */
  MIGRATION_BATCH_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
  /** failed attempts (connection dropped, server unavailable) before a user is marked failed */
  MIGRATION_BATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** the wait before a failed user is tried again, doubled each attempt (at most 5 minutes) */
  MIGRATION_BATCH_RETRY_MS: z.coerce.number().int().min(10).default(30_000),
  /** messages fetched, appended and checkpointed together: what a stop or crash can cost to redo */
  MIGRATION_BATCH_CHUNK: z.coerce.number().int().min(1).max(1000).default(200),
});
export type BatchEnv = z.output<typeof BatchEnv>;
