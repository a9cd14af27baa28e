import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Bus, CachedRequester, type Subscription } from '@mail/bus';
import { DeliveryPing, EnqueueMessage, ListQueue, type GetDkimSigningKeys, type ResolveRecipient } from '@mail/contracts';
import { DELIVERY_CONFIG, DKIM_KEY_CACHE, RECIPIENT_CACHE, type DeliveryConfig } from './delivery.config.js';
import { holdsInlineBodies } from '@mail/blob';
import { Database, runMigrations } from '@mail/db';
import { registerQueueGauges } from './delivery-metrics.js';
import { queueMigrations } from './migrations/queue-migrations.js';
import { QueueRepository } from './queue.repository.js';
import { QueueRetention } from './queue-retention.js';
import { TlsReports } from './tls-rpt/tls-reports.js';
import { QueueService } from './queue.service.js';
import { QueueAdmin, queueAdminHandlers } from './queue-admin.js';
import { WorkerPool } from './worker-pool.js';

/** Schema first, then the bus contracts; the workers start once the whole application is up. */
@Injectable()
export class DeliveryHandlers implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private subscriptions: Subscription[] = [];
  private unregisterGauge?: () => void;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly repo: QueueRepository,
    private readonly queue: QueueService,
    @Inject(WorkerPool) private readonly pool: WorkerPool,
    @Inject(RECIPIENT_CACHE) private readonly recipients: CachedRequester<typeof ResolveRecipient>,
    @Inject(DKIM_KEY_CACHE) private readonly dkimKeys: CachedRequester<typeof GetDkimSigningKeys>,
    @Inject(QueueRetention) private readonly retention: QueueRetention,
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    @Inject(QueueAdmin) private readonly admin: QueueAdmin,
    @Inject(TlsReports) private readonly tlsReports: TlsReports,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.db, 'queue', queueMigrations);
    // the BlobStore opened before this module ran the blob schema's migrations on this database, if it keeps bodies here
    this.queue.checkBodiesHere(await holdsInlineBodies(this.db));
    await this.recipients.start();
    await this.dkimKeys.start();
    this.subscriptions = await Promise.all([
      this.bus.handle(EnqueueMessage, (p) => this.queue.enqueue(p)),
      this.bus.handle(ListQueue, (p) => this.queue.list(p)),
      ...queueAdminHandlers(this.bus, this.admin),
      this.bus.handle(DeliveryPing, async () => {
        await this.db.query('SELECT 1');
        return { ok: true as const };
      }),
    ]);
    this.unregisterGauge = registerQueueGauges(() => this.repo.waitingStats());
  }

  onApplicationBootstrap(): void {
    this.pool.start();
    this.retention.start(this.config.retentionSweepIntervalMs ?? 10 * 60_000);
    if (this.config.tlsReports !== false) this.tlsReports.start();
  }

  /** Stop taking work, finish or hand back what is in hand. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.unsubscribe();
    await this.retention.stop();
    await this.pool.stop();
    await this.tlsReports.stop();
    await this.recipients.stop();
    await this.dkimKeys.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe();
  }

  private async unsubscribe(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    this.unregisterGauge?.();
    this.unregisterGauge = undefined;
    await Promise.all(subs.map((s) => s.unsubscribe()));
  }
}
