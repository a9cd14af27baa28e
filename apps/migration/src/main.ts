import { BatchEnv, MigrationEnv } from '@mail/config';
import { MigrationModule, imapSessionOpener } from '@mail/migration';
import { MigrationBatchModule } from '@mail/migration-batch';
import { batchConfig, migrationConfig, platformSecrets, runService } from '@mail/runtime';

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
    const migration = migrationConfig(config);
    return {
      module: MigrationServiceModule,
      imports: [
        MigrationModule.forRoot({ ...migration, secrets }),
        // batches and external accounts share one remote-session policy (TLS, timeouts, size bound)
        MigrationBatchModule.forRoot({ ...batchConfig(config), secrets, openSession: imapSessionOpener(migration.remote) }),
      ],
    };
  },
});
