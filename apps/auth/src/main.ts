import { runService } from '@mail/runtime';
import { AuthModule } from '@mail/auth';
import { z } from 'zod';

void runService({
  name: 'auth',
  env: z.object({ AUTH_LOGIN_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(1000) }),
  needs: { db: true },
  module: (config) => AuthModule.forRoot({ loginDelayMs: config.AUTH_LOGIN_DELAY_MS }),
});
