import { AccessModule, AccessService } from '@mail/access';
import { AccessEnv } from '@mail/config';
import { accessConfig, runService, serverTls } from '@mail/runtime';
import { StoreAppends, StoreReads, StoreReadsModule } from '@mail/store';

void runService({
  name: 'access',
  env: AccessEnv,
  // the database, when configured, serves the store's reads (ADR 0057) and appends (ADR 0063) in this
  // process, and small bodies (ADR 0052): one Database for all three, which an append's commit relies on
  needs: { blob: true, db: 'if-configured', sessionSlots: true },
  module: async (config, infra) =>
    AccessModule.forRoot(
      accessConfig(config, await serverTls(config)),
      infra.db && config.ACCESS_STORE_READS === 'direct'
        ? {
            imports: [StoreReadsModule.forRoot()],
            inject: [StoreReads],
            useFactory: (reads: StoreReads) => reads,
            appends: config.ACCESS_STORE_APPENDS === 'direct' ? { inject: [StoreAppends], useFactory: (appends: StoreAppends) => appends } : undefined,
          }
        : undefined,
    ),
  describe: (app) => ({ ports: app.get(AccessService).ports() }),
});
