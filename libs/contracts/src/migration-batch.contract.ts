import { z } from 'zod';
import { defineRequest } from './contract.js';
import { EmailAddress, Id, IsoDate } from './common.schemas.js';
import { RemoteHost, RemoteTls } from './fetch.contract.js';

/**
 * Migration batches (issue 16, ADR 0030): an organisation's mailboxes copied in from another IMAP
 * server, with Exchange Online's vocabulary (a batch of users from a CSV, started, stopped,
 * resumed, completed by a final incremental pass). Answered by whichever process composes
 * libs/migration-batch.
 */

export const BatchName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');

/**
 * created → running → synced (every user copied once) → completing → completed; stop/resume move
 * between running and stopped (stopping while workers finish their chunk).
 */
export const BatchState = z.enum(['created', 'running', 'stopping', 'stopped', 'synced', 'completing', 'completed']);
export type BatchState = z.infer<typeof BatchState>;

/** queued (waiting for a worker or a retry), running, synced (first pass done), completed, stopped, failed */
export const BatchUserState = z.enum(['pending', 'queued', 'running', 'synced', 'completed', 'stopped', 'failed']);
export type BatchUserState = z.infer<typeof BatchUserState>;

const Limits = {
  /** at most this many simultaneous IMAP connections to the source host, across all replicas and batches */
  maxConnections: z.number().int().min(1).max(200).default(4),
  /** at most this many messages per second fetched from the source host by this batch */
  messagesPerSecond: z.number().int().min(1).max(100_000).default(200),
};

export const BatchUserInput = z.object({
  emailAddress: EmailAddress,
  userName: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});

export const CreateBatch = defineRequest(
  'migration.batch.create.v1',
  z.object({
    name: BatchName,
    host: RemoteHost,
    port: z.number().int().min(1).max(65535).optional(),
    tls: RemoteTls.default('implicit'),
    insecure: z.boolean().default(false),
    ...Limits,
    /** the first users; more are added with AddBatchUsers (a bus message has a size limit) */
    users: z.array(BatchUserInput).max(1000).default([]),
  }),
  z.object({ id: Id, name: z.string() }),
);

/** Adds users to a batch that has not started. */
export const AddBatchUsers = defineRequest(
  'migration.batch.users.add.v1',
  z.object({ name: BatchName, users: z.array(BatchUserInput).min(1).max(1000) }),
  z.object({ users: z.number().int() }),
);

export const BatchCounts = z.object({
  users: z.number().int(),
  byState: z.record(z.string(), z.number().int()),
  folders: z.number().int(),
  messagesTotal: z.number().int(),
  messagesDone: z.number().int(),
  bytesDone: z.number().int(),
  errors: z.number().int(),
});

export const BatchView = z.object({
  id: Id,
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  tls: RemoteTls,
  insecure: z.boolean(),
  maxConnections: z.number().int(),
  messagesPerSecond: z.number().int(),
  state: BatchState,
  createdAt: IsoDate,
  startedAt: IsoDate.nullable(),
  completedAt: IsoDate.nullable(),
  counts: BatchCounts,
});
export type BatchView = z.infer<typeof BatchView>;

export const BatchFolderView = z.object({
  remotePath: z.string(),
  localName: z.string(),
  messagesTotal: z.number().int(),
  messagesDone: z.number().int(),
  bytesDone: z.number().int(),
  errors: z.number().int(),
  lastError: z.string().nullable(),
});

/** One user of a batch; the password is never part of any answer. */
export const BatchUserView = z.object({
  emailAddress: z.string(),
  userName: z.string(),
  state: BatchUserState,
  folders: z.number().int(),
  messagesTotal: z.number().int(),
  messagesDone: z.number().int(),
  bytesDone: z.number().int(),
  errors: z.number().int(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  lastErrorAt: IsoDate.nullable(),
  startedAt: IsoDate.nullable(),
  finishedAt: IsoDate.nullable(),
  /** only when asked for one user */
  folderDetails: z.array(BatchFolderView).optional(),
});
export type BatchUserView = z.infer<typeof BatchUserView>;

export const ListBatches = defineRequest('migration.batch.list.v1', z.object({}), z.object({ batches: z.array(BatchView) }));

/** A batch with its users (paged: `offset`, `limit`), or with one user and that user's folders. */
export const GetBatch = defineRequest(
  'migration.batch.get.v1',
  z.object({ name: BatchName, user: EmailAddress.optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(500) }),
  BatchView.extend({ users: z.array(BatchUserView) }),
);

export const BatchAction = z.enum(['start', 'stop', 'resume', 'complete']);

/**
 * start: queue every user for the first pass; stop: workers stop after their current chunk;
 * resume: queue stopped and failed users again (they continue from their checkpoint);
 * complete: a final incremental pass for every user, then the batch is completed.
 */
export const ChangeBatch = defineRequest('migration.batch.change.v1', z.object({ name: BatchName, action: BatchAction }), BatchView);

/** Removes a batch that is not running, with its progress and sealed passwords; copied mail stays. */
export const DeleteBatch = defineRequest('migration.batch.delete.v1', z.object({ name: BatchName }), z.object({ deleted: z.literal(true) }));
