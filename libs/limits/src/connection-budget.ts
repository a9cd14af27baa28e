import { readFileSync } from 'node:fs';
import { metrics } from '@opentelemetry/api';

/**
 * Connections a whole process may hold, across every listener. Running out of file descriptors
 * takes down every listener, the admin API and the health endpoints at once (issue 11), so the
 * budget stays well below the descriptor limit and leaves room for the database pool, NATS,
 * blob files and the HTTP side.
 */
export class ConnectionBudget {
  private held = 0;

  constructor(public max: number) {}

  get open(): number {
    return this.held;
  }

  tryTake(): boolean {
    if (this.held >= this.max) return false;
    this.held++;
    return true;
  }

  release(): void {
    if (this.held > 0) this.held--;
  }
}

/** The soft RLIMIT_NOFILE of this process (Linux; undefined where /proc is not there or it is unlimited). */
export function descriptorLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const line = read()
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Without a readable descriptor limit: a conservative figure that a default ulimit of 1024 would not allow anyway. */
const FALLBACK_MAX = 4000;

/**
 * The process budget: the configured figure, never more than the descriptor limit minus a reserve
 * (a quarter of it, at least 64) for everything that is not a client connection.
 */
export function processConnectionMax(configured: number | undefined, limit = descriptorLimit()): number {
  const ceiling = limit === undefined ? FALLBACK_MAX : Math.max(1, limit - Math.max(64, Math.floor(limit / 4)));
  return configured && configured > 0 ? Math.min(configured, ceiling) : ceiling;
}

let shared: ConnectionBudget | undefined;

/**
 * The one budget of this process: in the embedded mode SMTP, IMAP and POP3 share it. `configured`
 * (PROCESS_MAX_CONNECTIONS; 0 means automatic) comes from the same environment for every caller.
 */
export function processConnectionBudget(configured?: number): ConnectionBudget {
  if (shared) {
    if (configured !== undefined) shared.max = processConnectionMax(configured);
    return shared;
  }
  const budget = (shared = new ConnectionBudget(processConnectionMax(configured)));
  const meter = metrics.getMeter('limits');
  meter.createObservableGauge('mail_process_connections_max', { description: 'Client connections this process admits at most (below its descriptor limit)' }).addCallback((r) => r.observe(budget.max));
  meter.createObservableGauge('mail_process_connections_open', { description: 'Client connections this process holds, every protocol together' }).addCallback((r) => r.observe(budget.open));
  return budget;
}
