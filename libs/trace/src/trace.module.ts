import { Module, type DynamicModule } from '@nestjs/common';
import { Database } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { TRACE_CONFIG, type TraceConfig } from './trace.config.js';
import { TraceHandlers } from './trace.handlers.js';
import { TraceRepository } from './trace.repository.js';
import { TraceRetention } from './trace-retention.js';
import { TraceWriter } from './trace-writer.js';

/**
 * Message trace: records the tracking events and answers trace.search.v1. Needs `Bus` and
 * `Database` provided globally; composed into admin-api (distributed) and the embedded process.
 */
@Module({})
export class TraceModule {
  static forRoot(config: TraceConfig): DynamicModule {
    const logger = createLogger('trace');
    return {
      module: TraceModule,
      providers: [
        { provide: TRACE_CONFIG, useValue: config },
        { provide: TraceRepository, useFactory: (db: Database) => new TraceRepository(db), inject: [Database] },
        {
          provide: TraceWriter,
          useFactory: (repo: TraceRepository) => new TraceWriter(repo, logger, { flushMs: config.flushMs, maxBatch: config.maxBatch }),
          inject: [TraceRepository],
        },
        { provide: TraceRetention, useFactory: (repo: TraceRepository) => new TraceRetention(repo, config.retentionDays, logger), inject: [TraceRepository] },
        TraceHandlers,
      ],
      exports: [TraceRepository, TraceWriter, TraceRetention],
    };
  }
}
