import { z } from 'zod';
import { AccessEnv, AdminEnv, AuthEnv, BatchEnv, CommonEnv, DeliveryEnv, MigrationEnv, SmtpEnv } from '@mail/config';

/** Everything the single process reads: the union of every service's variables. */
export const EmbeddedEnv = CommonEnv.extend(SmtpEnv.shape)
  .extend(AccessEnv.shape)
  .extend(AdminEnv.shape)
  .extend(DeliveryEnv.shape)
  .extend(AuthEnv.shape)
  .extend(BatchEnv.shape)
  .extend(MigrationEnv.shape);
export type EmbeddedEnv = z.output<typeof EmbeddedEnv>;
