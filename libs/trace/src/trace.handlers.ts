import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import { GetConnectorTraffic, MessageTracked, SearchTrace } from '@mail/contracts';
import { Database, runMigrations } from '@mail/db';
import { traceMigrations } from './migrations/trace-migrations.js';
import { connectorTraffic } from './connector-traffic.js';
import { TRACE_CONFIG, type TraceConfig } from './trace.config.js';
import { TraceRepository } from './trace.repository.js';
import { TraceRetention } from './trace-retention.js';
import { TraceWriter } from './trace-writer.js';

/**
 * Schema first; then the tracking events, in the `trace` queue group so that each event is
 * recorded by one replica however many run (ADR 0013), and the search contract.
 */
@Injectable()
export class TraceHandlers implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    @Inject(TraceRepository) private readonly repo: TraceRepository,
    @Inject(TraceWriter) private readonly writer: TraceWriter,
    @Inject(TraceRetention) private readonly retention: TraceRetention,
    @Inject(TRACE_CONFIG) private readonly config: TraceConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.db, 'trace', traceMigrations);
    this.subscriptions = await Promise.all([
      this.bus.subscribe(MessageTracked, (e) => this.writer.add(e.steps), undefined, { queue: 'trace' }),
      this.bus.handle(SearchTrace, async (f) => ({ messages: await this.repo.search(f) })),
      this.bus.handle(GetConnectorTraffic, async (q) => {
        const at = new Date();
        return { at: at.toISOString(), connectors: await connectorTraffic(this.db, q.connectors, at) };
      }),
    ]);
  }

  onApplicationBootstrap(): void {
    this.retention.start(this.config.retentionSweepIntervalMs ?? 60 * 60_000);
  }

  /** stop taking events, write what is held */
  async beforeApplicationShutdown(): Promise<void> {
    await this.unsubscribe();
    await this.retention.stop();
    await this.writer.flush();
    this.writer.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe();
  }

  private async unsubscribe(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe()));
  }
}
