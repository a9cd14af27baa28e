import { runService } from '@mail/runtime';
import { StoreModule } from '@mail/store';
import { z } from 'zod';

void runService({
  name: 'store',
  env: z.object({}),
  needs: { db: true, blob: true },
  module: () => StoreModule.forRoot({}),
});
