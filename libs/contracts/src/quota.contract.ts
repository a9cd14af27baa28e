import { z } from 'zod';
import { defineRequest } from './contract.js';
import { Id } from './common.schemas.js';

/**
 * The limits of one account, as the directory holds them; null: no limit of its own (the store's
 * default applies, if it has one).
 */
export const AccountQuota = z.object({
  bytes: z.number().int().nonnegative().nullable(),
  messages: z.number().int().nonnegative().nullable(),
});
export type AccountQuota = z.infer<typeof AccountQuota>;

/** What a full mailbox answers new mail with, per the account's domain: 452 4.2.2 (defer) or 552 5.2.2 (reject). */
export const OverQuotaPolicy = z.enum(['defer', 'reject']);
export type OverQuotaPolicy = z.infer<typeof OverQuotaPolicy>;

export const AccountUsage = z.object({ accountId: Id, bytes: z.number().int().nonnegative(), messages: z.number().int().nonnegative() });
export type AccountUsage = z.infer<typeof AccountUsage>;

/**
 * What the store holds per account, across all its mailboxes: the counters the store keeps in the
 * same transaction as every append, copy, move, expunge and mailbox deletion (never a count of
 * rows). An account the store has not seen yet uses nothing. For RCPT-time quota checks, the admin
 * API and IMAP QUOTA (RFC 9208 STORAGE and MESSAGE resources).
 */
export const GetAccountUsage = defineRequest(
  'store.account.usage.v1',
  z.object({ accountIds: z.array(Id).min(1).max(1000) }),
  z.object({ accounts: z.array(AccountUsage) }),
);
