import type { AccountQuota } from '@mail/contracts';
import type { QuotaResource } from '@mail/imap-protocol';
import { no, type Reply } from './reply.js';
import type { ImapUser, SessionHandle } from './session-handle.js';

/**
 * The directory's limits for the logged-in account, passed with every APPEND and COPY so the store
 * holds IMAP to the same quota as delivery (ADR 0020). Undefined when the account has none, or when
 * the directory cannot answer: then the store's own default still applies, and a directory outage
 * does not stop users filing their mail (it is logged).
 */
export async function accountLimits(s: SessionHandle, user: ImapUser): Promise<AccountQuota | undefined> {
  try {
    return (await s.ctx.auth.accountQuota(user.address)) ?? undefined;
  } catch (err) {
    s.logger.warn({ err }, 'account limits unavailable; the store default applies');
    return undefined;
  }
}

/**
 * Refuses an APPEND of `size` bytes before the client sends its literal when it cannot fit
 * (RFC 9208 section 4.2: `NO [OVERQUOTA]`), so a full mailbox does not cost the upload. One usage
 * request (the store's per-mailbox counters, no scan of messages), and only for accounts that
 * have a limit. The store checks again when the message arrives.
 */
export async function appendFits(s: SessionHandle, user: ImapUser, limits: AccountQuota | undefined, size: number): Promise<Reply | null> {
  if (!limits || (limits.bytes == null && limits.messages == null)) return null;
  let used;
  try {
    [used] = (await s.ctx.store.accountUsage({ accountIds: [user.accountId] })).accounts;
  } catch {
    return null;
  }
  if (!used) return null;
  const full = (limits.bytes != null && used.bytes + size > limits.bytes) || (limits.messages != null && used.messages + 1 > limits.messages);
  return full ? no('Quota exceeded', 'OVERQUOTA') : null;
}

/** The one quota root of an account (RFC 9208): all its mailboxes share the directory's limits. */
export const QUOTA_ROOT = '';

/** RFC 9208 5.1/5.2: STORAGE in units of 1024 octets, MESSAGE as a count; only the limited ones */
export function quotaResources(limits: AccountQuota, usage: { bytes: number; messages: number }): QuotaResource[] {
  const out: QuotaResource[] = [];
  if (limits.bytes != null) out.push({ name: 'STORAGE', usage: Math.floor(usage.bytes / 1024), limit: Math.floor(limits.bytes / 1024) });
  if (limits.messages != null) out.push({ name: 'MESSAGE', usage: usage.messages, limit: limits.messages });
  return out;
}
