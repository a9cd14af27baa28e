import { Module } from '@nestjs/common';
import { AdminApiModule, configureAdminApp } from '@mail/admin-api';
import { AdminEnv, resolveAdminToken } from '@mail/config';
import { runService, traceConfig } from '@mail/runtime';
import { TraceModule } from '@mail/trace';

let token = '';

/** The admin API, and message trace beside it (ADR 0013): it records the tracking events and answers trace searches. */
@Module({})
class AdminApiService {}

void runService({
  name: 'admin-api',
  env: AdminEnv,
  needs: { db: true },
  module: async (config) => {
    const admin = await resolveAdminToken({ envToken: config.ADMIN_TOKEN, dataDir: config.DATA_DIR });
    token = admin.token;
    if (admin.created) process.stdout.write(`admin token written to ${admin.file}\n`);
    return { module: AdminApiService, imports: [AdminApiModule.forRoot({ token }), TraceModule.forRoot(traceConfig(config))] };
  },
  http: {
    port: (config) => config.ADMIN_PORT,
    configure: (app) => configureAdminApp(app, { token }),
  },
});
