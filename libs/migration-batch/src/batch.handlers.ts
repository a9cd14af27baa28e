import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import { AddBatchUsers, ChangeBatch, CreateBatch, DeleteBatch, GetBatch, ListBatches } from '@mail/contracts';
import { Database, runMigrations } from '@mail/db';
import { BatchService } from './batch.service.js';
import { BatchWorker } from './batch-worker.js';
import { batchMigrations } from './migrations/001-batches.js';

/**
 * Schema first; then the batch requests (in the `migration-batch` queue group: one replica answers
 * each), and the workers once the application is up.
 */
@Injectable()
export class BatchHandlers implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    @Inject(BatchService) private readonly service: BatchService,
    @Inject(BatchWorker) private readonly worker: BatchWorker,
    @Inject('MIGRATION_BATCH_RUN_WORKERS') private readonly runWorkers: boolean,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.db, 'migration_batch', batchMigrations);
    this.subscriptions = await Promise.all([
      this.bus.handle(CreateBatch, (r) => this.service.create(r)),
      this.bus.handle(AddBatchUsers, (r) => this.service.addUsers(r)),
      this.bus.handle(ListBatches, async () => ({ batches: await this.service.list() })),
      this.bus.handle(GetBatch, (r) => this.service.get(r)),
      this.bus.handle(ChangeBatch, async (r) => {
        const view = await this.service.change(r);
        this.worker.poke();
        return view;
      }),
      this.bus.handle(DeleteBatch, async (r) => {
        await this.service.delete(r.name);
        return { deleted: true as const };
      }),
    ]);
  }

  onApplicationBootstrap(): void {
    if (this.runWorkers) this.worker.start();
  }

  /** stop taking requests and users; running users stop after their chunk, queued for another replica */
  async beforeApplicationShutdown(): Promise<void> {
    await this.unsubscribe();
    await this.worker.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe();
  }

  private async unsubscribe(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe()));
  }
}
