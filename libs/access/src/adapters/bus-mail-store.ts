import { Injectable } from '@nestjs/common';
import { Bus, type RequestOptions } from '@mail/bus';
import {
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
  SearchMessages,
  SubscribeMailbox,
  UpdateFlags,
  VanishedMessages,
  GetMetadata,
  SetMetadata,
  type RequestContract,
  type RequestOf,
  type ResponseOf,
} from '@mail/contracts';
import { MailStorePort } from '../ports/mail-store.port.js';

/** Big appends and searches of big mailboxes take longer than the bus default. */
const SLOW: RequestOptions = { timeoutMs: 60_000 };

/**
 * MailStorePort over the bus: every call is one request to the store service, the port's method
 * named for its contract; only the timeout differs between them.
 */
@Injectable()
export class BusMailStore extends MailStorePort {
  constructor(private readonly bus: Bus) {
    super();
  }

  override listMailboxes = this.call(ListMailboxes);
  override createMailbox = this.call(CreateMailbox);
  override deleteMailbox = this.call(DeleteMailbox, SLOW);
  override renameMailbox = this.call(RenameMailbox);
  override subscribeMailbox = this.call(SubscribeMailbox);
  override mailboxStatus = this.call(MailboxStatus);
  override openMailbox = this.call(OpenMailbox);
  override mailboxChanges = this.call(MailboxChanges);
  override fetchMessages = this.call(FetchMessages);
  override appendAll = this.call(AppendAll, SLOW);
  override messageSortKeys = this.call(MessageSortKeys, SLOW);
  override searchMessages = this.call(SearchMessages, SLOW);
  override updateFlags = this.call(UpdateFlags);
  override expungeMessages = this.call(ExpungeMessages, SLOW);
  override copyMessages = this.call(CopyMessages, SLOW);
  override getMetadata = this.call(GetMetadata);
  override setMetadata = this.call(SetMetadata);
  override vanishedMessages = this.call(VanishedMessages);
  override appendMessage = this.call(AppendMessage, SLOW);
  override accountUsage = this.call(GetAccountUsage);

  // `this.bus` is read when a request is made, not here: field initialisers may run before the
  // constructor's parameter properties are assigned
  private call<C extends RequestContract>(contract: C, opts?: RequestOptions): (req: RequestOf<C>) => Promise<ResponseOf<C>> {
    return (req) => this.bus.request(contract, req, opts);
  }
}
