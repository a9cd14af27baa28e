import type { AccountQuota } from '@mail/contracts';

/** What an account holds, or what an operation adds to it. */
export interface QuotaUse {
  bytes: number;
  messages: number;
}

/** The limits that apply to one operation; null: unlimited. */
export interface QuotaLimits {
  bytes: number | null;
  messages: number | null;
}

/**
 * The limits an append or copy is held to: the directory's (passed by the caller: delivery from the
 * recipient resolution, access from the account) over the store's own column and default. A
 * directory limit of null for bytes still falls back to the store default, so an operator's
 * `STORE_DEFAULT_QUOTA_BYTES` caps accounts the directory leaves open.
 */
export function effectiveLimits(given: AccountQuota | undefined, storeQuotaBytes: number | null, defaultQuotaBytes: number | null): QuotaLimits {
  return { bytes: given?.bytes ?? storeQuotaBytes ?? defaultQuotaBytes, messages: given?.messages ?? null };
}

/**
 * Why adding `adding` to `used` goes over `limits`, or null. One check for APPEND (IMAP and
 * delivery) and COPY, so every way into a mailbox counts the same. Removing never fails.
 */
export function quotaProblem(used: QuotaUse, adding: QuotaUse, limits: QuotaLimits): string | null {
  if (adding.bytes <= 0 && adding.messages <= 0) return null;
  if (limits.bytes != null && adding.bytes > 0 && used.bytes + adding.bytes > limits.bytes) {
    return `mailbox full: ${used.bytes} of ${limits.bytes} bytes used, ${adding.bytes} more needed`;
  }
  if (limits.messages != null && adding.messages > 0 && used.messages + adding.messages > limits.messages) {
    return `mailbox full: ${used.messages} of ${limits.messages} messages, ${adding.messages} more needed`;
  }
  return null;
}
