import { z } from 'zod';
import { defineRequest } from './contract.js';
import { BlobKey, Id, IsoDate } from './common.schemas.js';
import { CarriedIndex } from './message-index.schemas.js';
import { AccountQuota } from './quota.contract.js';
import { AppendMessage, Flag, RecentRange } from './store.contract.js';

/**
 * IMAP MULTIAPPEND (RFC 3502): several messages (already in the blob store) into one mailbox, all
 * or none, in one transaction. Results come in message order (their UIDs ascend). Any failure
 * (no such mailbox, over quota, ...) is the whole request's error: nothing was appended.
 */
export const AppendAll = defineRequest(
  'store.message.append-all.v1',
  z.object({
    accountId: Id,
    /** the caller's domain, for a mailbox shared with it by `anyone` (ADR 0044) */
    tenant: z.string().max(253).optional(),
    mailbox: z.string().min(1).max(512),
    /** the directory's limits for the account; without them the store's own apply */
    quota: AccountQuota.optional(),
    messages: z
      .array(
        z.object({
          blobKey: BlobKey,
          size: z.number().int().nonnegative(),
          internalDate: IsoDate.optional(),
          flags: z.array(Flag).max(100).default([]),
          index: CarriedIndex.optional(),
          /** as AppendMessage's (ADR 0073) */
          bodyUnflushed: z.boolean().optional(),
          /** as AppendMessage's: in this process only (ADR 0073) */
          inlineBody: z.instanceof(Buffer).optional(),
        }),
      )
      .min(1)
      .max(1000),
    /** as AppendMessage's: claim \Recent for the appending IMAP4rev1 session once all are in */
    recent: z.literal('claim').optional(),
  }),
  z.object({ results: z.array(AppendMessage.response), recent: RecentRange.optional() }),
);
