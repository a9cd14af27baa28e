import { z } from 'zod';
import { defineRequest } from './contract.js';
import { Id, IsoDate } from './common.schemas.js';
import { EnvelopeAddress } from './message-index.schemas.js';
import { SearchCriterion } from './store.contract.js';

/**
 * What IMAP SORT and THREAD (RFC 5256) order and link messages by, for one message: the raw
 * header values as the index keeps them (encoded-words intact), so the session decodes, extracts
 * base subjects and compares with the collation the client asked for.
 */
export const SortKeyMessage = z.object({
  uid: z.number().int().positive(),
  internalDate: IsoDate,
  size: z.number().int().nonnegative(),
  /** the Date header, parsed; null when missing or unreadable (SORT then uses the internal date) */
  sentDate: IsoDate.nullable(),
  subject: z.string().nullable(),
  /** the first few addresses of each field (group markers included), enough for the first real one */
  from: z.array(EnvelopeAddress).max(8),
  to: z.array(EnvelopeAddress).max(8),
  cc: z.array(EnvelopeAddress).max(8),
  messageId: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  /**
   * The References header as written, with only `references` asked for; a huge one comes as its
   * start and its end (the root and the nearest ancestors).
   */
  references: z.string().nullable().optional(),
  /**
   * `references` is lowercased: the message was indexed before the store kept the header's case,
   * so its ids can only be matched without regard to case
   */
  referencesFolded: z.boolean().optional(),
});
export type SortKeyMessage = z.infer<typeof SortKeyMessage>;

/**
 * The sort keys of the messages of a mailbox that match `criteria`, in uid order, paged above
 * `afterUid` (`more`: ask again above the last uid returned).
 */
export const MessageSortKeys = defineRequest(
  'store.message.sort-keys.v1',
  z.object({
    accountId: Id,
    mailboxId: Id,
    criteria: SearchCriterion,
    afterUid: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(5000).default(5000),
    references: z.boolean().default(false),
  }),
  z.object({ messages: z.array(SortKeyMessage), more: z.boolean() }),
);
