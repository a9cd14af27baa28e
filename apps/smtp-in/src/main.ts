import { SmtpEnv } from '@mail/config';
import { platformSecrets, runService, serverTls, smtpInConfig, srsSettings } from '@mail/runtime';
import { SmtpInModule, SmtpInService } from '@mail/smtp-in';

void runService({
  name: 'smtp-in',
  env: SmtpEnv,
  needs: { blob: true },
  module: async (config) => SmtpInModule.forRoot({ ...smtpInConfig(config, await serverTls(config)), srs: srsSettings(config, await platformSecrets(config, 'distributed')) }),
  describe: (app) => ({ ports: app.get(SmtpInService).ports() }),
});
