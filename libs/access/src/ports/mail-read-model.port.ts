import { AppendAll, AppendMessage, ExpungeMessages, FetchMessages, GetAccountUsage, ListMailboxes, MailboxChanges, MailboxStatus, MessageSortKeys, OpenMailbox, SearchMessages, UpdateFlags, VanishedMessages } from '@mail/contracts';
import type { ParsedRequestOf, ResponseOf } from '@mail/contracts';

/** The reads of MailStorePort a read model may answer in this process, by method name and contract (ADR 0057). */
export const STORE_READS = {
  listMailboxes: ListMailboxes,
  mailboxStatus: MailboxStatus,
  openMailbox: OpenMailbox,
  mailboxChanges: MailboxChanges,
  vanishedMessages: VanishedMessages,
  fetchMessages: FetchMessages,
  searchMessages: SearchMessages,
  messageSortKeys: MessageSortKeys,
  accountUsage: GetAccountUsage,
} as const;

/**
 * The store's read model composed into this process (ADR 0057): the reads of MailStorePort,
 * answered in-process on the store's own code and database instead of over the bus. Each method
 * takes the contract's parsed request and answers its response, with the store's rights checks and
 * errors (ContractError). The composition (apps/access, the embedded platform) provides it under
 * MAIL_READ_MODEL when the process has the database; without it every call goes over the bus.
 */
export type MailReadModel = {
  [K in keyof typeof STORE_READS]: (req: ParsedRequestOf<(typeof STORE_READS)[K]>) => Promise<ResponseOf<(typeof STORE_READS)[K]>>;
};

export const MAIL_READ_MODEL = Symbol('MAIL_READ_MODEL');

/**
 * The changes of MailStorePort this process may run on the database itself, by method name and
 * contract: APPEND and MULTIAPPEND (ADR 0063), STORE and EXPUNGE (ADR 0074: a session's everyday
 * writes, one bus round trip each before).
 */
export const STORE_APPENDS = {
  appendMessage: AppendMessage,
  appendAll: AppendAll,
  updateFlags: UpdateFlags,
  expungeMessages: ExpungeMessages,
} as const;

/**
 * The store's APPEND and MULTIAPPEND (ADR 0063), STORE and EXPUNGE (ADR 0074) composed into this
 * process: the store's own code (rights, quota, the statements, the change event it publishes on
 * the bus after the commit), run on this process's database. Provided under MAIL_APPEND_MODEL only together with the
 * read model, on the same database that holds the inline bodies (ADR 0052): an APPEND's body row
 * then needs no flush of its own, the append's commit flushes it (InlineBlobStore, `flush: 'with-next-commit'`)
 * when its statement sees the row (`bodyUnflushed`, ADR 0073; else the body is flushed first).
 */
export type MailAppendModel = {
  [K in keyof typeof STORE_APPENDS]: (req: ParsedRequestOf<(typeof STORE_APPENDS)[K]>) => Promise<ResponseOf<(typeof STORE_APPENDS)[K]>>;
};

export const MAIL_APPEND_MODEL = Symbol('MAIL_APPEND_MODEL');
