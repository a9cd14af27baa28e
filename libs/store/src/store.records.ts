import type { MailboxInfo } from '@mail/contracts';

/** A row of mail.mailboxes as the repositories return it. */
export interface MailboxRow {
  id: string;
  account_id: string;
  name: string;
  special_use: string | null;
  /** absent when read with MAILBOX_STATE_COLUMNS */
  subscribed?: boolean;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  message_count: number;
  unseen_count: number;
  size_bytes: number;
  /** the highest UID a session claimed as \\Recent (migration 005) */
  recent_uid: number;
  /** expunges at or below this MODSEQ are forgotten (migration 007) */
  vanished_floor: number;
}

/** The columns every statement reads, when the subscription does not matter (the append path). */
export const MAILBOX_STATE_COLUMNS = 'id, account_id, name, special_use, uid_validity, uid_next, highest_modseq, message_count, unseen_count, size_bytes, recent_uid, vanished_floor';

/**
 * Always selected from (or returned by a statement on) `mail.mailboxes` unaliased: `subscribed`
 * is looked up in mail.subscriptions (one primary-key probe).
 */
export const MAILBOX_COLUMNS =
  MAILBOX_STATE_COLUMNS +
  ', EXISTS (SELECT 1 FROM mail.subscriptions s WHERE s.account_id = mail.mailboxes.account_id AND s.name = mail.mailboxes.name) AS subscribed';

export function toMailboxInfo(row: MailboxRow): MailboxInfo {
  return {
    id: row.id,
    name: row.name,
    specialUse: (row.special_use as MailboxInfo['specialUse']) ?? null,
    subscribed: row.subscribed ?? false,
    uidValidity: Number(row.uid_validity),
    uidNext: Number(row.uid_next),
    highestModseq: Number(row.highest_modseq),
    messages: Number(row.message_count),
    unseen: Number(row.unseen_count),
    sizeBytes: Number(row.size_bytes),
  };
}

/** int8[] comes back as strings from some drivers: normalise to numbers. */
export function numbers(values: unknown): number[] {
  return Array.isArray(values) ? values.map((v) => Number(v)) : [];
}

/** The default mailboxes every account gets on first use (RFC 6154 special-use). */
export const DEFAULT_MAILBOXES: ReadonlyArray<{ name: string; specialUse: string | null }> = [
  { name: 'INBOX', specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];
