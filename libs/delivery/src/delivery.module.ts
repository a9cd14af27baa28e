import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Module, type DynamicModule } from '@nestjs/common';
import { Bus, CachedRequester } from '@mail/bus';
import { DirectoryChanged, DkimKeysChanged, GetDkimSigningKeys, ResolveRecipient } from '@mail/contracts';
import { BlobStore } from '@mail/blob';
import { Database } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { DELIVERY_CONFIG, DKIM_KEY_CACHE, RECIPIENT_CACHE, type DeliveryConfig } from './delivery.config.js';
import { OutboundDkimSigner } from './dkim/outbound-dkim-signer.js';
import { ArcSealer } from './dkim/arc-sealer.js';
import { DeliveryHandlers } from './delivery.handlers.js';
import { Handoff } from './handoff.js';
import { LeaseKeeper } from './lease-keeper.js';
import { MessageProcessor } from './message-processor.js';
import { OutboundSmtp } from './outbound-smtp.js';
import { mxResolver } from './mx-route.js';
import { createDnsResolver } from '@mail/dns';
import { outboundSmtp } from './outbound-smtp.factory.js';
import { OutboundRouter } from './connectors/outbound-router.js';
import { SmartHostSender } from './connectors/smart-host-sender.js';
import { ConnectorSet } from '@mail/connector-rules';
import { QueueRepository } from './queue.repository.js';
import { QueueService } from './queue.service.js';
import { QueueAdmin } from './queue-admin.js';
import { deliveryReports } from './dsn/delivery-reports.js';
import { QueueSignal } from './queue-signal.js';
import { Tracker } from './tracking.js';
import { QueueRetention } from './queue-retention.js';
import { TlsReports } from './tls-rpt/tls-reports.js';
import { WorkerPool } from './worker-pool.js';

/** The queue and its workers. Needs `Bus`, `Database` and `BlobStore` provided globally. */
@Module({})
export class DeliveryModule {
  static forRoot(config: DeliveryConfig): DynamicModule {
    const logger = createLogger('delivery');
    return {
      module: DeliveryModule,
      providers: [
        { provide: DELIVERY_CONFIG, useValue: config },
        { provide: QueueSignal, useValue: new QueueSignal(config.gatherMs ?? 50) },
        {
          provide: LeaseKeeper,
          useFactory: (repo: QueueRepository) => new LeaseKeeper(repo, config.leaseMs, logger, config.leaseRenewMs),
          inject: [QueueRepository],
        },
        {
          provide: Handoff,
          useFactory: (keeper: LeaseKeeper) => new Handoff(`${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}:handoff`, keeper, config.handoffRecipients ?? 1000),
          inject: [LeaseKeeper],
        },
        {
          provide: RECIPIENT_CACHE,
          useFactory: (bus: Bus) => new CachedRequester(bus, ResolveRecipient, { ttlMs: config.recipientCacheTtlMs ?? 30_000, maxEntries: 50_000, invalidatedBy: DirectoryChanged }),
          inject: [Bus],
        },
        {
          provide: DKIM_KEY_CACHE,
          useFactory: (bus: Bus) => new CachedRequester(bus, GetDkimSigningKeys, { ttlMs: config.dkimKeyCacheTtlMs ?? 60_000, maxEntries: 10_000, invalidatedBy: DkimKeysChanged }),
          inject: [Bus],
        },
        { provide: Tracker, useFactory: (bus: Bus) => new Tracker(bus, logger), inject: [Bus] },
        { provide: QueueRepository, useFactory: (db: Database) => new QueueRepository(db), inject: [Database] },
        {
          provide: QueueService,
          useFactory: (repo: QueueRepository, signal: QueueSignal, tracker: Tracker, handoff: Handoff) => new QueueService(repo, signal, tracker, handoff),
          inject: [QueueRepository, QueueSignal, Tracker, Handoff],
        },
        {
          provide: TlsReports,
          useFactory: (db: Database, queue: QueueService, blobs: BlobStore) =>
            new TlsReports(
              db,
              {
                hostname: config.hostname,
                periodSeconds: (config.tlsReports || {}).periodSeconds ?? 86_400,
                organization: (config.tlsReports || {}).organization ?? config.hostname,
                contact: `postmaster@${config.hostname}`,
              },
              createDnsResolver({ servers: config.dnsServers, cacheTtlMs: 60_000 }),
              queue,
              blobs,
              logger,
            ),
          inject: [Database, QueueService, BlobStore],
        },
        {
          provide: OutboundSmtp,
          useFactory: (reports: TlsReports) => outboundSmtp(config, logger, config.tlsReports === false ? undefined : reports),
          inject: [TlsReports],
        },
        {
          provide: OutboundRouter,
          useFactory: (bus: Bus, mx: OutboundSmtp) => {
            const resolve = createDnsResolver({ servers: config.dnsServers, cacheTtlMs: 60_000 });
            const resolveMx = config.resolveMx ?? mxResolver(resolve);
            const common = { hostname: config.hostname, defaultPort: config.outboundPort, connectTimeoutMs: config.smtpTimeouts?.connectMs, extraCa: config.extraCa, resolveMx, resolve };
            const smartHosts = new SmartHostSender({ ...common, socketTimeoutMs: config.smtpTimeouts?.socketMs, secrets: config.secrets });
            return new OutboundRouter(new ConnectorSet(bus, logger), smartHosts, mx, config.relayHost, bus, common);
          },
          inject: [Bus, OutboundSmtp],
        },
        {
          provide: MessageProcessor,
          useFactory: (
            repo: QueueRepository,
            bus: Bus,
            recipients: CachedRequester<typeof ResolveRecipient>,
            blobs: BlobStore,
            outbound: OutboundRouter,
            queue: QueueService,
            tracker: Tracker,
            dkimKeys: CachedRequester<typeof GetDkimSigningKeys>,
          ) => new MessageProcessor(config, repo, bus, recipients, blobs, outbound, queue, tracker, logger, new OutboundDkimSigner(dkimKeys, config.secrets), undefined, new ArcSealer(dkimKeys, config.secrets, config.hostname)),
          inject: [QueueRepository, Bus, RECIPIENT_CACHE, BlobStore, OutboundRouter, QueueService, Tracker, DKIM_KEY_CACHE],
        },
        {
          provide: WorkerPool,
          useFactory: (repo: QueueRepository, processor: MessageProcessor, signal: QueueSignal, handoff: Handoff, keeper: LeaseKeeper) =>
            new WorkerPool(
              repo,
              processor,
              signal,
              handoff,
              keeper,
              {
                workers: config.workers,
                pollIntervalMs: config.pollIntervalMs ?? 500,
                batchSize: config.batchSize ?? 50,
                retrySchedule: config.retrySchedule,
              },
              logger,
            ),
          inject: [QueueRepository, MessageProcessor, QueueSignal, Handoff, LeaseKeeper],
        },
        {
          provide: QueueRetention,
          useFactory: (repo: QueueRepository) => new QueueRetention(repo, config.retentionHours ?? 168, logger),
          inject: [QueueRepository],
        },
        {
          provide: QueueAdmin,
          useFactory: (db: Database, repo: QueueRepository, queue: QueueService, blobs: BlobStore) =>
            new QueueAdmin(db, repo, queue, deliveryReports(config, repo, blobs, queue, logger), logger),
          inject: [Database, QueueRepository, QueueService, BlobStore],
        },
        DeliveryHandlers,
      ],
      exports: [QueueService],
    };
  }
}
