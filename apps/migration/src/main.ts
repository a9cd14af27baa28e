import { MigrationEnv } from '@mail/config';
import { MigrationModule } from '@mail/migration';
import { migrationConfig, platformSecrets, runService } from '@mail/runtime';

/** External accounts and migration batches (ADR 0028): fetches mail from other servers into the platform. */
void runService({
  name: 'migration',
  env: MigrationEnv,
  needs: { db: true, blob: true },
  module: async (config) => MigrationModule.forRoot({ ...migrationConfig(config), secrets: await platformSecrets(config, 'distributed') }),
});
