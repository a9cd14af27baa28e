import { SmtpEnv } from '@mail/config';
import { runService, serverTls, smtpInConfig } from '@mail/runtime';
import { SmtpInModule, SmtpInService } from '@mail/smtp-in';

void runService({
  name: 'smtp-in',
  env: SmtpEnv,
  needs: { blob: true },
  module: async (config) => SmtpInModule.forRoot(smtpInConfig(config, await serverTls(config))),
  describe: (app) => ({ ports: app.get(SmtpInService).ports() }),
});
