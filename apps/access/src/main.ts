import { AccessModule, AccessService } from '@mail/access';
import { AccessEnv } from '@mail/config';
import { accessConfig, runService, serverTls } from '@mail/runtime';

void runService({
  name: 'access',
  env: AccessEnv,
  needs: { blob: true },
  module: async (config) => AccessModule.forRoot(accessConfig(config, await serverTls(config))),
  describe: (app) => ({ ports: app.get(AccessService).ports() }),
});
