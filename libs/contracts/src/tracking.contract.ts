import { z } from 'zod';
import { defineEvent } from './contract.js';
import { IsoDate } from './common.schemas.js';

/** Message trace (Exchange's message trace): every step of a message's life, published as it happens. */
export const MessageTracked = defineEvent(
  'tracking.message.v1',
  z.object({
    event: z.enum(['received', 'queued', 'delivered', 'deferred', 'bounced', 'relayed', 'rejected']),
    at: IsoDate,
    queueId: z.string().optional(),
    messageId: z.string().nullable().optional(),
    sender: z.string(),
    recipient: z.string().optional(),
    detail: z.string().max(1000).optional(),
    service: z.string(),
  }),
);
