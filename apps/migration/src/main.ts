import { BatchEnv, MigrationEnv } from '@mail/config';
import { MigrationModule } from '@mail/migration';
import { MigrationBatchModule } from '@mail/migration-batch';
import { batchWorkerConfig, migrationConfig, platformSecrets, runService } from '@mail/runtime';

class MigrationServiceModule {}

/**
 * The migration service (ADR 0028): external accounts (libs/migration, ADR 0029) and migration
 * batches (libs/migration-batch, ADR 0030), both fetching mail from other servers into the platform.
 */
void runService({
  name: 'migration',
  env: MigrationEnv.extend(BatchEnv.shape),
  needs: { db: true, blob: true },
  module: async (config) => {
    const secrets = await platformSecrets(config, 'distributed');
    return {
      module: MigrationServiceModule,
      imports: [
        MigrationModule.forRoot({ ...migrationConfig(config), secrets }),
        MigrationBatchModule.forRoot({ secrets, worker: batchWorkerConfig(config), runWorkers: config.MIGRATION_BATCH_WORKERS > 0 }),
      ],
    };
  },
});
