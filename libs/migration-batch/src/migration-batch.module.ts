import { Module, type DynamicModule } from '@nestjs/common';
import { BlobStore } from '@mail/blob';
import { Bus } from '@mail/bus';
import { Database } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { BatchHandlers } from './batch.handlers.js';
import { BatchRepository } from './batch.repository.js';
import { BatchService } from './batch.service.js';
import { BatchWorker } from './batch-worker.js';
import type { MigrationBatchConfig } from './migration-batch.config.js';

/**
 * Migration batches (ADR 0030): the batch requests and the workers that copy users' mailboxes in
 * from their old IMAP server. Needs `Bus`, `Database` and `BlobStore` provided globally.
 */
@Module({})
export class MigrationBatchModule {
  static forRoot(config: MigrationBatchConfig): DynamicModule {
    const logger = createLogger('migration-batch');
    return {
      module: MigrationBatchModule,
      providers: [
        { provide: 'MIGRATION_BATCH_RUN_WORKERS', useValue: config.runWorkers },
        { provide: BatchRepository, useFactory: (db: Database) => new BatchRepository(db), inject: [Database] },
        { provide: BatchService, useFactory: (db: Database, repo: BatchRepository) => new BatchService(db, repo, config.secrets), inject: [Database, BatchRepository] },
        {
          provide: BatchWorker,
          useFactory: (repo: BatchRepository, bus: Bus, blobs: BlobStore) => new BatchWorker(repo, bus, blobs, config.secrets, config.worker, logger, config.openSession),
          inject: [BatchRepository, Bus, BlobStore],
        },
        BatchHandlers,
      ],
      exports: [BatchService],
    };
  }
}
