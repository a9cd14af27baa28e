import { AccessModule, AccessService } from '@mail/access';
import { AccessEnv } from '@mail/config';
import { accessConfig, runService, serverTls } from '@mail/runtime';
import { StoreReads, StoreReadsModule } from '@mail/store';

void runService({
  name: 'access',
  env: AccessEnv,
  // the database, when configured, serves the store's reads in this process (ADR 0057) and small bodies (ADR 0052)
  needs: { blob: true, db: 'if-configured' },
  module: async (config, infra) =>
    AccessModule.forRoot(
      accessConfig(config, await serverTls(config)),
      infra.db && config.ACCESS_STORE_READS === 'direct' ? { imports: [StoreReadsModule.forRoot()], inject: [StoreReads], useFactory: (reads: StoreReads) => reads } : undefined,
    ),
  describe: (app) => ({ ports: app.get(AccessService).ports() }),
});
