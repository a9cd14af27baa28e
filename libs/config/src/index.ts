export * from './load-config.js';
export * from './env.schemas.js';
export * from './tls-files.js';
export * from './admin-token.js';
export * from './tls-policy.js';
export * from './tls-reload.js';
export * from './batch-env.js';
