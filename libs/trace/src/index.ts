export { TraceModule } from './trace.module.js';
export type { TraceConfig } from './trace.config.js';
export { TraceRepository } from './trace.repository.js';
export { TraceRetention } from './trace-retention.js';
export { TraceWriter } from './trace-writer.js';
export { buildTraceSearch } from './trace-query.js';
export { traceMigrations } from './migrations/trace-migrations.js';
