import { clientKey, type NetworkList } from './client-key.js';
import { processConnectionBudget, type ConnectionBudget } from './connection-budget.js';
import { connectionMetrics } from './limit-metrics.js';
import { LogThrottle } from './log-throttle.js';

export type RefusedBy = 'listener' | 'process' | 'client';

export type Admission = { ok: true; release(): void } | { ok: false; limit: RefusedBy };

export interface ConnectionLimits {
  /** connections this listener (or server with its TLS port) holds at most */
  maxConnections: number;
  /** connections one client (IPv4 address or IPv6 /64) holds at most on it; 0: no per-client limit */
  maxPerClient: number;
  /** clients the per-client limit does not apply to (by default loopback, as Postfix's mynetworks) */
  exempt?: NetworkList;
  /** PROCESS_MAX_CONNECTIONS: the whole process's figure (0: automatic, below the descriptor limit) */
  processMax?: number;
}

export interface ConnectionLimiterOptions extends ConnectionLimits {
  protocol: 'imap' | 'pop3' | 'smtp';
  listener: string;
  logger: { warn(fields: object, message: string): void };
  /** the process-wide budget; default the shared one of this process */
  budget?: ConnectionBudget;
}

/**
 * Admits or refuses a new client connection against three limits: the listener's, the process's
 * (below the descriptor limit) and the client's. Counting happens here, once, for every protocol;
 * the servers only say the refusal in their protocol (`* BYE`, `-ERR`, `421`).
 */
export class ConnectionLimiter {
  private readonly perClient = new Map<string, number>();
  private open = 0;
  private readonly budget: ConnectionBudget;
  private readonly logThrottle = new LogThrottle();
  private readonly labels: { protocol: string; listener: string };

  constructor(private readonly options: ConnectionLimiterOptions) {
    this.budget = options.budget ?? processConnectionBudget(options.processMax);
    this.labels = { protocol: options.protocol, listener: options.listener };
    // the series exist from the start, so a dashboard shows 0 and an alert's rate() has a baseline
    for (const limit of ['listener', 'process', 'client'] as const) connectionMetrics().refused.add(0, { ...this.labels, limit });
    connectionMetrics().deadline.add(0, { protocol: options.protocol });
  }

  get connections(): number {
    return this.open;
  }

  /** connections counted for this client's key */
  clientConnections(address: string | undefined): number {
    return this.perClient.get(clientKey(address)) ?? 0;
  }

  admit(address: string | undefined): Admission {
    const o = this.options;
    const key = clientKey(address);
    const counted = o.maxPerClient > 0 && !o.exempt?.has(address);
    let limit: RefusedBy | undefined;
    if (this.open >= o.maxConnections) limit = 'listener';
    else if (counted && (this.perClient.get(key) ?? 0) >= o.maxPerClient) limit = 'client';
    else if (!this.budget.tryTake()) limit = 'process';
    if (limit) {
      this.refused(limit, key);
      return { ok: false, limit };
    }
    this.open++;
    if (counted) this.perClient.set(key, (this.perClient.get(key) ?? 0) + 1);
    connectionMetrics().open.add(1, this.labels);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        this.budget.release();
        connectionMetrics().open.add(-1, this.labels);
        if (!counted) return;
        const n = (this.perClient.get(key) ?? 1) - 1;
        if (n > 0) this.perClient.set(key, n);
        else this.perClient.delete(key);
      },
    };
  }

  private refused(limit: RefusedBy, key: string): void {
    connectionMetrics().refused.add(1, { ...this.labels, limit });
    const held = this.logThrottle.take(`${limit} ${limit === 'client' ? key : ''}`);
    if (held === undefined) return;
    const o = this.options;
    const max = limit === 'listener' ? o.maxConnections : limit === 'client' ? o.maxPerClient : this.budget.max;
    this.options.logger.warn(
      { ...this.labels, limit, max, client: limit === 'client' ? key : undefined, alsoRefusedSinceLastLine: held || undefined },
      `${o.protocol} connection refused: ${limit} connection limit (${max}) reached`,
    );
  }
}
