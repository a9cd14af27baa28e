import { Injectable } from '@nestjs/common';
import { Bus } from '@mail/bus';
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
  type RequestOf,
  type ResponseOf,
} from '@mail/contracts';
import { MailStorePort } from '../ports/mail-store.port.js';

/** Big appends and searches of big mailboxes take longer than the bus default. */
const SLOW_MS = 60_000;

/** MailStorePort over the bus: every call is one request to the store service. */
@Injectable()
export class BusMailStore extends MailStorePort {
  constructor(private readonly bus: Bus) {
    super();
  }

  listMailboxes(req: RequestOf<typeof ListMailboxes>): Promise<ResponseOf<typeof ListMailboxes>> {
    return this.bus.request(ListMailboxes, req);
  }
  createMailbox(req: RequestOf<typeof CreateMailbox>): Promise<ResponseOf<typeof CreateMailbox>> {
    return this.bus.request(CreateMailbox, req);
  }
  deleteMailbox(req: RequestOf<typeof DeleteMailbox>): Promise<ResponseOf<typeof DeleteMailbox>> {
    return this.bus.request(DeleteMailbox, req, { timeoutMs: SLOW_MS });
  }
  renameMailbox(req: RequestOf<typeof RenameMailbox>): Promise<ResponseOf<typeof RenameMailbox>> {
    return this.bus.request(RenameMailbox, req);
  }
  subscribeMailbox(req: RequestOf<typeof SubscribeMailbox>): Promise<ResponseOf<typeof SubscribeMailbox>> {
    return this.bus.request(SubscribeMailbox, req);
  }
  mailboxStatus(req: RequestOf<typeof MailboxStatus>): Promise<ResponseOf<typeof MailboxStatus>> {
    return this.bus.request(MailboxStatus, req);
  }
  openMailbox(req: RequestOf<typeof OpenMailbox>): Promise<ResponseOf<typeof OpenMailbox>> {
    return this.bus.request(OpenMailbox, req);
  }
  mailboxChanges(req: RequestOf<typeof MailboxChanges>): Promise<ResponseOf<typeof MailboxChanges>> {
    return this.bus.request(MailboxChanges, req);
  }
  fetchMessages(req: RequestOf<typeof FetchMessages>): Promise<ResponseOf<typeof FetchMessages>> {
    return this.bus.request(FetchMessages, req);
  }
  appendAll(req: RequestOf<typeof AppendAll>): Promise<ResponseOf<typeof AppendAll>> {
    return this.bus.request(AppendAll, req, { timeoutMs: SLOW_MS });
  }
  messageSortKeys(req: RequestOf<typeof MessageSortKeys>): Promise<ResponseOf<typeof MessageSortKeys>> {
    return this.bus.request(MessageSortKeys, req, { timeoutMs: SLOW_MS });
  }
  searchMessages(req: RequestOf<typeof SearchMessages>): Promise<ResponseOf<typeof SearchMessages>> {
    return this.bus.request(SearchMessages, req, { timeoutMs: SLOW_MS });
  }
  updateFlags(req: RequestOf<typeof UpdateFlags>): Promise<ResponseOf<typeof UpdateFlags>> {
    return this.bus.request(UpdateFlags, req);
  }
  expungeMessages(req: RequestOf<typeof ExpungeMessages>): Promise<ResponseOf<typeof ExpungeMessages>> {
    return this.bus.request(ExpungeMessages, req, { timeoutMs: SLOW_MS });
  }
  copyMessages(req: RequestOf<typeof CopyMessages>): Promise<ResponseOf<typeof CopyMessages>> {
    return this.bus.request(CopyMessages, req, { timeoutMs: SLOW_MS });
  }
  getMetadata(req: RequestOf<typeof GetMetadata>): Promise<ResponseOf<typeof GetMetadata>> {
    return this.bus.request(GetMetadata, req);
  }
  setMetadata(req: RequestOf<typeof SetMetadata>): Promise<ResponseOf<typeof SetMetadata>> {
    return this.bus.request(SetMetadata, req);
  }
  vanishedMessages(req: RequestOf<typeof VanishedMessages>): Promise<ResponseOf<typeof VanishedMessages>> {
    return this.bus.request(VanishedMessages, req);
  }
  appendMessage(req: RequestOf<typeof AppendMessage>): Promise<ResponseOf<typeof AppendMessage>> {
    return this.bus.request(AppendMessage, req, { timeoutMs: SLOW_MS });
  }
  accountUsage(req: RequestOf<typeof GetAccountUsage>): Promise<ResponseOf<typeof GetAccountUsage>> {
    return this.bus.request(GetAccountUsage, req);
  }
}
