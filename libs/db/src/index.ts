export * from './database.port.js';
export * from './pg-database.js';
export * from './pglite-database.js';
export * from './migrations.js';
export * from './open-database.js';
export * from './periodic-job.js';
export * from './group-commit.js';
export * from './scratch-database.js';
