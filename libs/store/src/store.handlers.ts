import { Inject, Injectable, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import {
  AppendAll,
  AppendMessage,
  AppendMessages,
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
  PurgeAccount,
  RenameMailbox,
  SearchMessages,
  StorePing,
  SubscribeMailbox,
  UpdateFlags,
  VanishedMessages,
  GetMetadata,
  SetMetadata,
  SetAcl,
  DeleteAcl,
  GetAcl,
  MyRights,
  ListShares,
  ListSharedWith,
} from '@mail/contracts';
import { Database, runMigrations } from '@mail/db';
import { AppendService } from './append.service.js';
import { BlobCollector } from './blob-collector.js';
import { TombstonePruner } from './tombstone-pruner.js';
import { MetadataService } from './metadata.service.js';
import { ThreadKeysBackfill } from './thread-backfill.js';
import { AclService } from './acl.service.js';
import { SharedRequests } from './shared-requests.js';
import { StoreReads } from './store-reads.js';
import { MailboxService } from './mailbox.service.js';
import { MessageService } from './message.service.js';
import { SortKeysService } from './sort-keys.service.js';
import { mailMigrations } from './migrations/mail-migrations.js';
import { STORE_SETTINGS, type StoreSettings } from './store.config.js';

/** Brings schema `mail` up to date, then answers the store's contracts on the bus. */
@Injectable()
export class StoreHandlers implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly mailboxes: MailboxService,
    private readonly messages: MessageService,
    private readonly appends: AppendService,
    private readonly sortKeys: SortKeysService,
    private readonly collector: BlobCollector,
    private readonly tombstones: TombstonePruner,
    private readonly metadata: MetadataService,
    private readonly acl: AclService,
    private readonly shared: SharedRequests,
    private readonly reads: StoreReads,
    private readonly threadBackfill: ThreadKeysBackfill,
    @Inject(STORE_SETTINGS) private readonly settings: StoreSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.db, 'mail', mailMigrations);
    const mb = this.mailboxes;
    const sh = this.shared;
    const rd = this.reads;
    this.subscriptions = await Promise.all([
      this.bus.handle(ListMailboxes, (p) => rd.listMailboxes(p)),
      this.bus.handle(CreateMailbox, (p) => sh.create(p)),
      this.bus.handle(DeleteMailbox, (p) => sh.delete(p)),
      this.bus.handle(RenameMailbox, (p) => sh.rename(p)),
      this.bus.handle(SubscribeMailbox, (p) => mb.subscribe(p.accountId, p.name, p.subscribed)),
      this.bus.handle(MailboxStatus, (p) => rd.mailboxStatus(p)),
      this.bus.handle(OpenMailbox, (p) => rd.openMailbox(p)),
      this.bus.handle(MailboxChanges, (p) => rd.mailboxChanges(p)),
      this.bus.handle(GetMetadata, (p) => this.metadata.get(p.accountId, p.mailbox, p.entries, p.depth, p.tenant)),
      this.bus.handle(SetMetadata, (p) => this.metadata.set(p.accountId, p.mailbox, p.values, p.tenant)),
      this.bus.handle(VanishedMessages, (p) => rd.vanishedMessages(p)),
      this.bus.handle(PurgeAccount, (p) => mb.purge(p.accountId)),
      this.bus.handle(GetAccountUsage, (p) => rd.accountUsage(p)),
      this.bus.handle(FetchMessages, (p) => rd.fetchMessages(p)),
      this.bus.handle(SearchMessages, (p) => rd.searchMessages(p)),
      this.bus.handle(MessageSortKeys, (p) => rd.messageSortKeys(p)),
      this.bus.handle(UpdateFlags, (p) => sh.updateFlags(p)),
      this.bus.handle(ExpungeMessages, (p) => sh.expunge(p)),
      this.bus.handle(CopyMessages, (p) => sh.copy(p)),
      this.bus.handle(AppendMessage, (p) => sh.append(p)),
      this.bus.handle(AppendMessages, (p) => this.appends.appendBatch(p.items)),
      this.bus.handle(AppendAll, (p) => sh.appendAll(p)),
      this.bus.handle(SetAcl, (p) => this.acl.set(p)),
      this.bus.handle(DeleteAcl, (p) => this.acl.delete(p)),
      this.bus.handle(GetAcl, (p) => this.acl.get(p)),
      this.bus.handle(MyRights, (p) => this.acl.myRights(p)),
      this.bus.handle(ListShares, (p) => this.acl.shares(p.accountId)),
      this.bus.handle(ListSharedWith, (p) => this.acl.grantsTo(p.accountId, p.tenant)),
      this.bus.handle(StorePing, async () => {
        await this.db.query('SELECT 1');
        return { ok: true as const };
      }),
    ]);
    this.collector.start(this.settings.gcIntervalMs);
    this.tombstones.start(this.settings.gcIntervalMs);
    this.threadBackfill.start(this.settings.threadBackfillIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe()));
    await this.collector.stop();
    await this.tombstones.stop();
    await this.threadBackfill.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.collector.stop();
    await this.tombstones.stop();
    await this.threadBackfill.stop();
  }
}
