import { Module } from '@nestjs/common';
import { platformSecrets, runService } from '@mail/runtime';
import { AuthModule } from '@mail/auth';
import { ConnectorsModule } from '@mail/connectors';
import { z } from 'zod';

/** The directory and the connectors (ADR 0011: two libraries, one process, each its own schema). */
@Module({})
class AuthServiceModule {}

void runService({
  name: 'auth',
  env: z.object({ AUTH_LOGIN_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(1000) }),
  needs: { db: true },
  module: async (config) => {
    const secrets = await platformSecrets(config, 'distributed');
    return {
      module: AuthServiceModule,
      imports: [AuthModule.forRoot({ loginDelayMs: config.AUTH_LOGIN_DELAY_MS, hostname: config.HOSTNAME_FQDN, secrets }), ConnectorsModule.forRoot({ sealer: secrets })],
    };
  },
});
