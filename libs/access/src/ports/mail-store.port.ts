import type {
  AppendAll,
  AppendMessage,
  CopyMessages,
  CreateMailbox,
  DeleteMailbox,
  ExpungeMessages,
  FetchMessages,
  GetAccountUsage,
  ListMailboxes,
  MailboxChanges,
  MailboxStatus,
  MessageSortKeys,
  OpenMailbox,
  RenameMailbox,
  RequestOf,
  ResponseOf,
  SearchMessages,
  SubscribeMailbox,
  UpdateFlags,
  VanishedMessages,
  GetMetadata,
  SetMetadata,
} from '@mail/contracts';


/**
 * The mailbox operations the access sessions need, one method per store contract. Errors are
 * ContractError (from @mail/contracts) with the contract's codes (NOT_FOUND, CONFLICT, OVER_QUOTA...),
 * which the sessions map once to protocol replies.
 */
export abstract class MailStorePort {
  abstract listMailboxes(req: RequestOf<typeof ListMailboxes>): Promise<ResponseOf<typeof ListMailboxes>>;
  abstract createMailbox(req: RequestOf<typeof CreateMailbox>): Promise<ResponseOf<typeof CreateMailbox>>;
  abstract deleteMailbox(req: RequestOf<typeof DeleteMailbox>): Promise<ResponseOf<typeof DeleteMailbox>>;
  abstract renameMailbox(req: RequestOf<typeof RenameMailbox>): Promise<ResponseOf<typeof RenameMailbox>>;
  abstract subscribeMailbox(req: RequestOf<typeof SubscribeMailbox>): Promise<ResponseOf<typeof SubscribeMailbox>>;
  abstract mailboxStatus(req: RequestOf<typeof MailboxStatus>): Promise<ResponseOf<typeof MailboxStatus>>;
  abstract openMailbox(req: RequestOf<typeof OpenMailbox>): Promise<ResponseOf<typeof OpenMailbox>>;
  abstract mailboxChanges(req: RequestOf<typeof MailboxChanges>): Promise<ResponseOf<typeof MailboxChanges>>;
  abstract fetchMessages(req: RequestOf<typeof FetchMessages>): Promise<ResponseOf<typeof FetchMessages>>;
  abstract messageSortKeys(req: RequestOf<typeof MessageSortKeys>): Promise<ResponseOf<typeof MessageSortKeys>>;
  abstract searchMessages(req: RequestOf<typeof SearchMessages>): Promise<ResponseOf<typeof SearchMessages>>;
  abstract updateFlags(req: RequestOf<typeof UpdateFlags>): Promise<ResponseOf<typeof UpdateFlags>>;
  abstract expungeMessages(req: RequestOf<typeof ExpungeMessages>): Promise<ResponseOf<typeof ExpungeMessages>>;
  abstract copyMessages(req: RequestOf<typeof CopyMessages>): Promise<ResponseOf<typeof CopyMessages>>;
  /** MULTIAPPEND: several messages into one mailbox, all or none */
  abstract appendAll(req: RequestOf<typeof AppendAll>): Promise<ResponseOf<typeof AppendAll>>;
  abstract getMetadata(req: RequestOf<typeof GetMetadata>): Promise<ResponseOf<typeof GetMetadata>>;
  abstract setMetadata(req: RequestOf<typeof SetMetadata>): Promise<ResponseOf<typeof SetMetadata>>;
  abstract vanishedMessages(req: RequestOf<typeof VanishedMessages>): Promise<ResponseOf<typeof VanishedMessages>>;
  abstract appendMessage(req: RequestOf<typeof AppendMessage>): Promise<ResponseOf<typeof AppendMessage>>;
  /**
   * true when appends commit on the database that holds the inline bodies (ADR 0063): a body put
   * just before its append may then leave its flush to the append's commit, which checks that it
   * sees the body's row (`bodyUnflushed`, ADR 0073)
   */
  readonly appendsCommitWithBodies: boolean = false;
  /** what the accounts hold across their mailboxes (the store's kept counters: cheap) */
  abstract accountUsage(req: RequestOf<typeof GetAccountUsage>): Promise<ResponseOf<typeof GetAccountUsage>>;
}
