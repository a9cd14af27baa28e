import { Bus, type Subscription } from '@mail/bus';
import { ConnectorSnapshot, ConnectorsChanged, type ConnectorRecord } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { compileInbound, type InboundConnector, type OutboundConnector } from './compiled-connector.js';

export interface ConnectorSetOptions {
  /** reload this often even without an event (core NATS events can be lost); default 30 s */
  refreshMs?: number;
  /** retry delay while the connector service does not answer; default 1 s */
  retryMs?: number;
}

/**
 * The connectors one smtp-in or delivery replica applies: loaded at start, reloaded when
 * `connectors.changed.v1` says they changed (so a change reaches every replica within a second,
 * no restart) and every `refreshMs` in case an event was lost. Reads are synchronous and see
 * one whole snapshot.
 */
export class ConnectorSet {
  private inboundList: InboundConnector[] = [];
  private outboundList: OutboundConnector[] = [];
  private version = '';
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private loading?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly listeners: Array<() => void> = [];
  /** callers waiting for the first snapshot; each leaves when it times out */
  private readonly firstLoad = new Set<() => void>();
  loaded = false;

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly opts: ConnectorSetOptions = {},
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.subscription = await this.bus.subscribe(ConnectorsChanged, () => void this.reload());
    await this.reload();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const sub = this.subscription;
    this.subscription = undefined;
    await sub?.unsubscribe();
  }

  inbound(): readonly InboundConnector[] {
    return this.inboundList;
  }

  outbound(): readonly OutboundConnector[] {
    return this.outboundList;
  }

  all(): readonly ConnectorRecord[] {
    return [...this.inboundList.map((c) => c.record), ...this.outboundList.map((c) => c.record)];
  }

  /** resolves true once a snapshot has been loaded, false if none came within `timeoutMs` */
  whenLoaded(timeoutMs: number): Promise<boolean> {
    if (this.loaded) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.firstLoad.delete(done);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.firstLoad.delete(done);
        resolve(this.loaded);
      }, timeoutMs);
      timer.unref();
      this.firstLoad.add(done);
    });
  }

  /** called after each snapshot that changed something (delivery drops pooled connections) */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Loads the snapshot now; concurrent calls share one load, and one more follows if asked meanwhile. */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.reload();
      }
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    clearTimeout(this.timer);
    let next = this.opts.refreshMs ?? 30_000;
    try {
      const snap = await this.bus.request(ConnectorSnapshot, {}, { timeoutMs: 5000 });
      if (snap.version !== this.version || !this.loaded) {
        this.apply(snap.connectors);
        this.version = snap.version;
        const first = !this.loaded;
        this.loaded = true;
        if (!first || snap.connectors.length) this.logger.info({ connectors: snap.connectors.length }, 'connectors loaded');
        for (const l of this.listeners) l();
        for (const w of [...this.firstLoad]) w();
      }
    } catch (err) {
      next = this.opts.retryMs ?? 1000;
      this.logger.warn({ err: String(err) }, 'could not load the connectors; retrying');
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.reload(), next);
      this.timer.unref();
    }
  }

  /** for tests and for the replicas' own use: apply a list as if it came from a snapshot */
  apply(records: readonly ConnectorRecord[]): void {
    this.inboundList = records.filter((r) => r.direction === 'inbound').map(compileInbound);
    this.outboundList = records.filter((r) => r.direction === 'outbound').map((record) => ({ record, name: record.name }));
  }
}
