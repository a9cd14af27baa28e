import { z } from 'zod';
import { defineRequest } from './contract.js';
import { Id, IsoDate } from './common.schemas.js';
import { QueueEntry } from './delivery.contract.js';

/** One queue entry with what an administrator needs to judge it. */
export const QueueEntryDetail = QueueEntry.extend({
  subject: z.string().nullable(),
  source: z.object({ protocol: z.string(), remoteAddress: z.string().optional(), authenticatedAs: z.string().optional() }),
  blobKey: z.string(),
});

export const GetQueueEntry = defineRequest('delivery.queue.get.v1', z.object({ queueId: Id }), QueueEntryDetail);

/** Changes of waiting recipients answer how many recipients changed. */
const Changed = z.object({ recipients: z.number().int().nonnegative(), at: IsoDate });

/** Try the waiting (queued, deferred) recipients of one message, or of every message, now. */
export const RetryQueue = defineRequest('delivery.queue.retry.v1', z.union([z.object({ queueId: Id }), z.object({ all: z.literal(true) })]), Changed);

/** Hold a message's waiting recipients: never attempted until released (one being attempted right now is not held). */
export const HoldQueue = defineRequest('delivery.queue.hold.v1', z.object({ queueId: Id }), Changed);

/** Release held recipients: attempted at once. */
export const ReleaseQueue = defineRequest('delivery.queue.release.v1', z.object({ queueId: Id }), Changed);

/**
 * Give up on a message's waiting and held recipients: with `bounce`, they bounce and the sender
 * gets a DSN (5.3.0, deleted by the administrator); without, they end silently (`failed`). The
 * message stays listed (trace) until the retention sweep.
 */
export const DeleteQueueEntry = defineRequest('delivery.queue.delete.v1', z.object({ queueId: Id, bounce: z.boolean().default(false) }), Changed);
