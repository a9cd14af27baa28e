import type { AdminEnv } from '@mail/config';
import type { z } from 'zod';

/** Validated environment → libs/trace's config (admin-api and the embedded process alike). */
export function traceConfig(env: z.output<typeof AdminEnv>) {
  return { retentionDays: env.TRACE_RETENTION_DAYS };
}
