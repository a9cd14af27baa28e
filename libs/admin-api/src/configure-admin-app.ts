import type { INestApplication } from '@nestjs/common';
import type { AdminApiConfig } from './admin-api.config.js';
import { AdminErrorFilter } from './error.filter.js';

/**
 * Global setup of an app that serves the admin API: errors outside the controllers (unknown
 * routes, malformed JSON bodies) also answer `{ error: { code, message } }`. Synchronous, so it
 * can be called between NestFactory.create and listen.
 */
export function configureAdminApp(app: INestApplication, _config: AdminApiConfig): void {
  app.useGlobalFilters(new AdminErrorFilter());
}
