import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import S3rver from 's3rver';

export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** the server's own process, when it runs in one */
  pid?: number;
  close(): Promise<void>;
}

// s3rver's fixed development credentials
const CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' };

/**
 * An S3 API server (s3rver) on a loopback port, its data in a temporary directory (or in
 * `directory`, which it then leaves in place: a restart on the same port and data).
 */
export async function startTestS3(opts: { port?: number; directory?: string } = {}): Promise<TestS3> {
  const directory = opts.directory ?? (await mkdtemp(join(tmpdir(), 'mail-s3-')));
  const server = new S3rver({ port: opts.port ?? 0, address: '127.0.0.1', silent: true, directory });
  const addr = await server.run();
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    ...CREDENTIALS,
    close: async () => {
      // clients' keep-alive connections would otherwise keep serving (and keep close() waiting)
      (server as unknown as { httpServer?: { closeAllConnections?(): void } }).httpServer?.closeAllConnections?.();
      await server.close();
      if (!opts.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface StoppableTestS3 extends TestS3 {
  /** the server goes away (connections refused) and keeps its data */
  stop(): Promise<void>;
  /** back on the same port with the same data */
  start(): Promise<void>;
}

/** An in-test S3 server that a fault test can stop and start again. */
export async function startStoppableTestS3(): Promise<StoppableTestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'mail-s3-'));
  let server: TestS3 | undefined = await startTestS3({ directory });
  const endpoint = server.endpoint;
  const port = Number(new URL(endpoint).port);
  return {
    endpoint,
    ...CREDENTIALS,
    stop: async () => {
      await server?.close();
      server = undefined;
    },
    start: async () => {
      server ??= await startTestS3({ port, directory });
    },
    close: async () => {
      await server?.close().catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * The same server in a child process: its CPU and memory are then its own, and it does not share
 * an event loop with the process that starts it (the benchmark's client measures latencies there).
 */
export async function startTestS3InChild(): Promise<TestS3> {
  const child = spawn(process.execPath, [join(__dirname, 's3-server-main.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([once(lines, 'line').then(([l]) => String(l)), exited.then(() => null)]);
  lines.close();
  // nothing more is expected on stdout, but a full pipe would stall the server: keep it drained
  child.stdout.resume();
  if (first === null) throw new Error('the S3 server process exited before it listened');
  const { endpoint } = JSON.parse(first) as { endpoint: string };
  return {
    endpoint,
    ...CREDENTIALS,
    pid: child.pid,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
