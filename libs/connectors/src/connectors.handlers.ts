import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import {
  ConnectorSnapshot,
  ConnectorsChanged,
  ConnectorsPing,
  CreateConnector,
  DeleteConnector,
  ExportConnectors,
  GetConnector,
  ImportConnectors,
  ListConnectors,
  UpdateConnector,
} from '@mail/contracts';
import { Database, runMigrations } from '@mail/db';
import { ConnectorService } from './connector.service.js';
import { connectorMigrations } from './migrations/001-connectors.js';

/** Brings the `connectors` schema up to date, then answers the connector contracts on the bus. */
@Injectable()
export class ConnectorsHandlers implements OnModuleInit, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly connectors: ConnectorService,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.db, 'connectors', connectorMigrations);
    const c = this.connectors;
    this.subscriptions = await Promise.all([
      this.bus.handle(CreateConnector, async (p) => this.announcing([p.name], await c.create(p))),
      this.bus.handle(UpdateConnector, async (p) => this.announcing([p.name], await c.update(p.name, p.patch))),
      this.bus.handle(GetConnector, (p) => c.get(p.name)),
      this.bus.handle(ListConnectors, (p) => c.list(p.direction)),
      this.bus.handle(DeleteConnector, async (p) => this.announcing([p.name], await c.remove(p.name))),
      this.bus.handle(ConnectorSnapshot, () => c.snapshot()),
      this.bus.handle(ExportConnectors, () => c.exportYaml()),
      this.bus.handle(ImportConnectors, async (p) => {
        const result = await c.importYaml(p.yaml, p.dryRun);
        return result.ok && result.applied ? this.announcing(result.changes.filter((x) => x.action !== 'unchanged').map((x) => x.name), result) : result;
      }),
      this.bus.handle(ConnectorsPing, async () => {
        await this.db.query('SELECT 1');
        return { ok: true as const };
      }),
    ]);
  }

  /**
   * Tells every smtp-in and delivery replica to reload, once the change is committed. A lost event
   * is caught by their periodic reload (ConnectorSet), so it is not retried here.
   */
  private async announcing<T>(names: string[], result: T): Promise<T> {
    await this.bus.publish(ConnectorsChanged, { at: new Date().toISOString(), names }).catch(() => undefined);
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe()));
  }
}
