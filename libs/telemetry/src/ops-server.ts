import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Telemetry } from './telemetry.js';

/** A dependency check for /readyz: resolves when the dependency answers. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

/**
 * /healthz (the process is alive), /readyz (every dependency answers within 2 s), /metrics.
 * Returns a handler so that an HTTP app (admin-api) can serve them on its own port too.
 */
export function opsHandler(telemetry: Telemetry, checks: ReadinessChecks, isDraining: () => boolean = () => false) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      send(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const results = await runChecks(checks);
      const ready = !isDraining() && Object.values(results).every((r) => r === 'ok');
      send(res, ready ? 200 : 503, { status: ready ? 'ready' : isDraining() ? 'draining' : 'not ready', checks: results });
      return true;
    }
    if (path === '/metrics') {
      telemetry.metricsHandler(req, res);
      return true;
    }
    return false;
  };
}

async function runChecks(checks: ReadinessChecks): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 2000)))]);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, `failing: ${(err as Error).message ?? 'error'}`] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(opts: {
  host: string;
  port: number;
  telemetry: Telemetry;
  checks: ReadinessChecks;
  isDraining?: () => boolean;
}): Promise<OpsServer> {
  const handle = opsHandler(opts.telemetry, opts.checks, opts.isDraining);
  const server: Server = createServer((req, res) => {
    handle(req, res).then((served) => {
      if (!served) send(res, 404, { error: 'not found' });
    }, () => send(res, 500, { error: 'internal error' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
