import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { BlobStore } from '@mail/blob';
import { Bus } from '@mail/bus';
import { Database } from '@mail/db';
import { createLogger, type Logger } from '@mail/telemetry';
import { AppendRepository } from './append.repository.js';
import { AppendService } from './append.service.js';
import { BlobCollector } from './blob-collector.js';
import { ChangePublisher } from './change-publisher.js';
import { IndexRepository } from './index.repository.js';
import { MailboxRepository } from './mailbox.repository.js';
import { MailboxService } from './mailbox.service.js';
import { MessageIndexerPort, MimeMessageIndexer } from './message-indexer.port.js';
import { MessageRepository } from './message.repository.js';
import { MessageService } from './message.service.js';
import { STORE_SETTINGS, storeSettings, type StoreConfig, type StoreSettings } from './store.config.js';
import { SortKeysService } from './sort-keys.service.js';
import { StoreHandlers } from './store.handlers.js';
import { TombstonePruner } from './tombstone-pruner.js';
import { ThreadKeysBackfill } from './thread-backfill.js';
import { MetadataRepository } from './metadata.repository.js';
import { MetadataService } from './metadata.service.js';
import { AclRepository } from './acl.repository.js';
import { AclService } from './acl.service.js';
import { SharedAccess } from './shared-access.js';
import { SharedRequests } from './shared-requests.js';
import { StoreReads } from './store-reads.js';
import { StoreAppends } from './store-appends.js';

const STORE_LOGGER = Symbol('STORE_LOGGER');

/**
 * What the store's read model needs (StoreReads and the services and repositories under it), and
 * its APPEND (StoreAppends): the store composes them with the rest of its write side, `access`
 * alone (StoreReadsModule, ADR 0057 and 0063).
 */
function readModelProviders(settings: StoreSettings, flushEvents = false): Provider[] {
  return [
    { provide: STORE_SETTINGS, useValue: settings },
    { provide: STORE_LOGGER, useFactory: () => createLogger('store') },
    { provide: MailboxRepository, useValue: new MailboxRepository() },
    { provide: MessageRepository, useValue: new MessageRepository() },
    { provide: IndexRepository, useValue: new IndexRepository() },
    { provide: ChangePublisher, useFactory: (bus: Bus, logger: Logger) => new ChangePublisher(bus, logger, flushEvents), inject: [Bus, STORE_LOGGER] },
    {
      provide: BlobCollector,
      useFactory: (db: Database, indexes: IndexRepository, blobs: BlobStore, logger: Logger) =>
        new BlobCollector(db, indexes, blobs, settings.blobGraceSeconds, logger),
      inject: [Database, IndexRepository, BlobStore, STORE_LOGGER],
    },
    {
      provide: MailboxService,
      useFactory: (db: Database, mb: MailboxRepository, msg: MessageRepository, idx: IndexRepository, gc: BlobCollector, ev: ChangePublisher, s: StoreSettings) =>
        new MailboxService(db, mb, msg, idx, gc, ev, s),
      inject: [Database, MailboxRepository, MessageRepository, IndexRepository, BlobCollector, ChangePublisher, STORE_SETTINGS],
    },
    {
      provide: MessageService,
      useFactory: (db: Database, svc: MailboxService, mb: MailboxRepository, msg: MessageRepository, idx: IndexRepository, gc: BlobCollector, ev: ChangePublisher, s: StoreSettings) =>
        new MessageService(db, svc, mb, msg, idx, gc, ev, s),
      inject: [Database, MailboxService, MailboxRepository, MessageRepository, IndexRepository, BlobCollector, ChangePublisher, STORE_SETTINGS],
    },
    {
      provide: SortKeysService,
      useFactory: (db: Database, svc: MailboxService) => new SortKeysService(db, svc),
      inject: [Database, MailboxService],
    },
    { provide: AclRepository, useValue: new AclRepository() },
    {
      provide: SharedAccess,
      useFactory: (db: Database, acl: AclRepository, mb: MailboxRepository) => new SharedAccess(db, acl, mb),
      inject: [Database, AclRepository, MailboxRepository],
    },
    {
      provide: AclService,
      useFactory: (db: Database, acl: AclRepository, mb: MailboxRepository, shared: SharedAccess, ev: ChangePublisher) => new AclService(db, acl, mb, shared, ev),
      inject: [Database, AclRepository, MailboxRepository, SharedAccess, ChangePublisher],
    },
    {
      provide: StoreReads,
      useFactory: (shared: SharedAccess, acl: AclService, mb: MailboxService, msg: MessageService, sk: SortKeysService) => new StoreReads(shared, acl, mb, msg, sk),
      inject: [SharedAccess, AclService, MailboxService, MessageService, SortKeysService],
    },
    { provide: MessageIndexerPort, useClass: MimeMessageIndexer },
    {
      provide: AppendService,
      useFactory: (db: Database, mb: MailboxRepository, blobs: BlobStore, indexer: MessageIndexerPort, ev: ChangePublisher, s: StoreSettings) =>
        new AppendService(db, mb, new AppendRepository(), blobs, indexer, ev, s),
      inject: [Database, MailboxRepository, BlobStore, MessageIndexerPort, ChangePublisher, STORE_SETTINGS],
    },
    {
      provide: SharedRequests,
      useFactory: (db: Database, shared: SharedAccess, rows: AclRepository, mbr: MailboxRepository, mb: MailboxService, msg: MessageService, ap: AppendService) =>
        new SharedRequests(db, shared, rows, mbr, mb, msg, ap),
      inject: [Database, SharedAccess, AclRepository, MailboxRepository, MailboxService, MessageService, AppendService],
    },
    { provide: StoreAppends, useFactory: (requests: SharedRequests) => new StoreAppends(requests), inject: [SharedRequests] },
  ];
}

/** The mail store: mailboxes, messages, flags, quotas, MIME index. Needs `Bus`, `Database` and `BlobStore` provided globally. */
@Module({})
export class StoreModule {
  static forRoot(config: StoreConfig = {}): DynamicModule {
    const settings = storeSettings(config);
    return {
      module: StoreModule,
      providers: [
        ...readModelProviders(settings),
        {
          provide: MetadataService,
          useFactory: (db: Database, svc: MailboxService, shared: SharedAccess, ev: ChangePublisher) => new MetadataService(db, svc, new MetadataRepository(), shared, ev),
          inject: [Database, MailboxService, SharedAccess, ChangePublisher],
        },
        {
          provide: ThreadKeysBackfill,
          useFactory: (db: Database, logger: Logger) => new ThreadKeysBackfill(db, logger),
          inject: [Database, STORE_LOGGER],
        },
        {
          provide: TombstonePruner,
          useFactory: (db: Database, logger: Logger) => new TombstonePruner(db, settings.tombstoneRetentionSeconds, logger),
          inject: [Database, STORE_LOGGER],
        },
        StoreHandlers,
      ],
      exports: [MailboxService, MessageService, AppendService, StoreReads, StoreAppends],
    };
  }
}

/**
 * The store's read model and its APPEND alone, for a process that serves reads and appends without
 * asking the store over the bus (`access`, ADR 0057 and 0063): no bus handlers, no migrations, no
 * sweeps. Needs `Bus`, `Database` and `BlobStore` provided globally (the services under it are the
 * store's own; reads publish nothing, an append publishes its change event on the bus); the store
 * service migrates schema `mail`.
 */
@Module({})
export class StoreReadsModule {
  static forRoot(config: StoreConfig = {}): DynamicModule {
    // this process answers its clients itself: a change is answered only once its event is on the bus (ADR 0074, 0080)
    return { module: StoreReadsModule, providers: readModelProviders(storeSettings(config), true), exports: [StoreReads, StoreAppends] };
  }
}
