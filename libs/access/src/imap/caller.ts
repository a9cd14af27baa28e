import type { ImapUser } from './session-handle.js';

/**
 * The user's tenant: the domain of its address (ADR 0044). Requests that name a mailbox carry it,
 * so that mailboxes shared with `anyone` of the tenant are found.
 */
export function tenantOf(user: ImapUser): string {
  return user.address.slice(user.address.lastIndexOf('@') + 1).toLowerCase();
}

/** The caller as the store's sharing requests name it. */
export function callerOf(user: ImapUser): { accountId: string; address: string; tenant: string } {
  return { accountId: user.accountId, address: user.address, tenant: tenantOf(user) };
}
