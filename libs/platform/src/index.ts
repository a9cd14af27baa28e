export * from './embedded-env.js';
export * from './embedded-platform.js';
export * from './embedded-migrations.js';
