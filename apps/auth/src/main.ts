import { Module } from '@nestjs/common';
import { authConfig, platformSecrets, runService } from '@mail/runtime';
import { AuthModule } from '@mail/auth';
import { ConnectorsModule } from '@mail/connectors';
import { AuthEnv } from '@mail/config';

/** The directory and the connectors (ADR 0011: two libraries, one process, each its own schema). */
@Module({})
class AuthServiceModule {}

void runService({
  name: 'auth',
  env: AuthEnv,
  needs: { db: true },
  module: async (config) => {
    const secrets = await platformSecrets(config, 'distributed');
    return {
      module: AuthServiceModule,
      imports: [AuthModule.forRoot({ ...authConfig(config), hostname: config.HOSTNAME_FQDN, secrets }), ConnectorsModule.forRoot({ sealer: secrets })],
    };
  },
});
