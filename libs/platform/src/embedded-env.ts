import { z } from 'zod';
import { AccessEnv, AdminEnv, CommonEnv, DeliveryEnv, SmtpEnv } from '@mail/config';

/** Everything the single process reads: the union of every service's variables. */
export const EmbeddedEnv = CommonEnv.extend(SmtpEnv.shape)
  .extend(AccessEnv.shape)
  .extend(AdminEnv.shape)
  .extend(DeliveryEnv.shape)
  .extend({
    AUTH_LOGIN_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  });
export type EmbeddedEnv = z.output<typeof EmbeddedEnv>;
