export * from './infra.js';
export * from './infra.module.js';
export * from './readiness.js';
export * from './nest-logger.js';
export * from './run-service.js';
export * from './feature-config.js';
export * from './platform-secrets.js';
export * from './trace-config.js';
