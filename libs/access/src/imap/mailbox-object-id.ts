/**
 * RFC 8474 MAILBOXID (ADR 0056): the store's mailbox id, a random UUID that RENAME keeps and that
 * is never given to another mailbox, written as an objectid ("F" and 32 hex digits, the form
 * Dovecot and Cyrus use). Random, it says nothing about the account, its name or its age.
 */
export function mailboxObjectId(storeId: string): string {
  return 'F' + storeId.replace(/-/g, '').toLowerCase();
}
