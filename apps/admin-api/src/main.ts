import { AdminApiModule, configureAdminApp } from '@mail/admin-api';
import { AdminEnv, resolveAdminToken } from '@mail/config';
import { runService } from '@mail/runtime';

let token = '';

void runService({
  name: 'admin-api',
  env: AdminEnv,
  needs: {},
  module: async (config) => {
    const admin = await resolveAdminToken({ envToken: config.ADMIN_TOKEN, dataDir: config.DATA_DIR });
    token = admin.token;
    if (admin.created) process.stdout.write(`admin token written to ${admin.file}\n`);
    return AdminApiModule.forRoot({ token });
  },
  http: {
    port: (config) => config.ADMIN_PORT,
    configure: (app) => configureAdminApp(app, { token }),
  },
});
