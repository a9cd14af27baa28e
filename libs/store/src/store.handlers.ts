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
} from '@mail/contracts';
import { Database, runMigrations } from '@mail/db';
import { AppendService } from './append.service.js';
import { BlobCollector } from './blob-collector.js';
import { TombstonePruner } from './tombstone-pruner.js';
import { MetadataService } from './metadata.service.js';
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
    @Inject(STORE_SETTINGS) private readonly settings: StoreSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.db, 'mail', mailMigrations);
    const mb = this.mailboxes;
    const msg = this.messages;
    this.subscriptions = await Promise.all([
      this.bus.handle(ListMailboxes, (p) => mb.list(p.accountId)),
      this.bus.handle(CreateMailbox, (p) => mb.create(p.accountId, p.name, p.specialUse ?? null, p.subscribed ?? true)),
      this.bus.handle(DeleteMailbox, (p) => mb.delete(p.accountId, p.name)),
      this.bus.handle(RenameMailbox, (p) => mb.rename(p.accountId, p.name, p.newName)),
      this.bus.handle(SubscribeMailbox, (p) => mb.subscribe(p.accountId, p.name, p.subscribed)),
      this.bus.handle(MailboxStatus, (p) => mb.status(p.accountId, p.name, p.deleted)),
      this.bus.handle(OpenMailbox, (p) => mb.open(p.accountId, p.name, p.afterUid, p.limit, p.recent)),
      this.bus.handle(MailboxChanges, (p) => mb.changes(p.accountId, p.mailboxId, p.sinceModseq, p.recent)),
      this.bus.handle(GetMetadata, (p) => this.metadata.get(p.accountId, p.mailbox, p.entries, p.depth)),
      this.bus.handle(SetMetadata, (p) => this.metadata.set(p.accountId, p.mailbox, p.values)),
      this.bus.handle(VanishedMessages, (p) => mb.vanished(p.accountId, p.mailboxId, p.sinceModseq, p.uids)),
      this.bus.handle(PurgeAccount, (p) => mb.purge(p.accountId)),
      this.bus.handle(GetAccountUsage, (p) => mb.usage(p.accountIds)),
      this.bus.handle(FetchMessages, (p) => msg.fetch(p)),
      this.bus.handle(SearchMessages, (p) => msg.search(p)),
      this.bus.handle(MessageSortKeys, (p) => this.sortKeys.sortKeys(p)),
      this.bus.handle(UpdateFlags, (p) => msg.updateFlags(p)),
      this.bus.handle(ExpungeMessages, (p) => msg.expunge(p)),
      this.bus.handle(CopyMessages, (p) => msg.copy(p)),
      this.bus.handle(AppendMessage, async (p) => {
        const res = await this.appends.append(p);
        return p.recent && !res.duplicate ? { ...res, recent: await mb.claimAfterAppend(p.accountId, res.mailboxId) } : res;
      }),
      this.bus.handle(AppendMessages, (p) => this.appends.appendBatch(p.items)),
      this.bus.handle(AppendAll, async (p) => {
        const res = await this.appends.appendAll(p);
        const first = res.results[0];
        return p.recent && first ? { ...res, recent: await mb.claimAfterAppend(p.accountId, first.mailboxId) } : res;
      }),
      this.bus.handle(StorePing, async () => {
        await this.db.query('SELECT 1');
        return { ok: true as const };
      }),
    ]);
    this.collector.start(this.settings.gcIntervalMs);
    this.tombstones.start(this.settings.gcIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe()));
    await this.collector.stop();
    await this.tombstones.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.collector.stop();
    await this.tombstones.stop();
  }
}
