import { DeleteQueueEntry, GetQueueEntry, HoldQueue, ReleaseQueue, RetryQueue } from '@mail/contracts';
import { z } from 'zod';
import type { RouteDoc } from './openapi.js';

const QueueId = { name: 'id', in: 'path' as const, description: 'queue id of the message', schema: z.string().uuid(), required: true };

/** The OpenAPI description of QueueAdminController's routes. */
export const QUEUE_ADMIN_ROUTES: RouteDoc[] = [
  { method: 'get', path: '/api/v1/queue/{id}', operationId: 'getQueueEntry', summary: 'One message of the queue with every recipient', tag: 'queue', params: [QueueId], status: 200, response: GetQueueEntry.response, errors: [400, 404, 503] },
  { method: 'post', path: '/api/v1/queue/retry', operationId: 'retryQueue', summary: 'Attempt every waiting recipient now', tag: 'queue', status: 200, response: RetryQueue.response, errors: [503] },
  { method: 'post', path: '/api/v1/queue/{id}/retry', operationId: 'retryQueueEntry', summary: "Attempt the message's waiting recipients now", tag: 'queue', params: [QueueId], status: 200, response: RetryQueue.response, errors: [400, 404, 503] },
  { method: 'post', path: '/api/v1/queue/{id}/hold', operationId: 'holdQueueEntry', summary: "Hold the message's waiting recipients (not attempted until released)", tag: 'queue', params: [QueueId], status: 200, response: HoldQueue.response, errors: [400, 404, 503] },
  { method: 'post', path: '/api/v1/queue/{id}/release', operationId: 'releaseQueueEntry', summary: 'Release held recipients (attempted at once)', tag: 'queue', params: [QueueId], status: 200, response: ReleaseQueue.response, errors: [400, 404, 503] },
  {
    method: 'delete',
    path: '/api/v1/queue/{id}',
    operationId: 'deleteQueueEntry',
    summary: "Give up on the message's waiting and held recipients; with bounce=true the sender gets a DSN",
    tag: 'queue',
    params: [QueueId, { name: 'bounce', in: 'query', description: 'send a DSN to the sender (default false)', schema: z.enum(['true', 'false']) }],
    status: 200,
    response: DeleteQueueEntry.response,
    errors: [400, 404, 503],
  },
];
