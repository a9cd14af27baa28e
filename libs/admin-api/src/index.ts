export { AdminApiModule } from './admin-api.module.js';
export type { AdminApiConfig } from './admin-api.config.js';
export { configureAdminApp } from './configure-admin-app.js';
export { buildOpenApiDocument } from './openapi.js';
export type { ErrorBody } from './error.filter.js';
