import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { haltProcess, waitForServer } from './server-process.js';

export interface OwnNats {
  url: string;
  /** the monitoring endpoint (`/varz` has message counts) when asked for */
  monitorUrl?: string;
  /** the server's pid (changes with every start) */
  readonly pid: number | undefined;
  /** SIGKILL, then a start on the same port and JetStream store */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

/** A nats-server of a test's own (JetStream, its own port and store directory), for tests that restart it. */
export async function startOwnNats(binary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server', opts: { monitor?: boolean } = {}): Promise<OwnNats> {
  const store = await mkdtemp(join(tmpdir(), 'mail-nats-'));
  const port = await freePort();
  const monitorPort = opts.monitor ? await freePort() : undefined;
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store, ...(monitorPort ? ['-m', String(monitorPort)] : [])], { stdio: ['ignore', 'ignore', 'ignore'] });
    await waitForServer('nats-server', proc, () => listening(port), 30_000);
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl: monitorPort ? `http://127.0.0.1:${monitorPort}` : undefined,
    get pid() {
      return proc?.pid;
    },
    restart: async () => {
      await haltProcess(proc, 'SIGKILL');
      await start();
    },
    stop: async () => {
      await haltProcess(proc, 'SIGTERM');
      await rm(store, { recursive: true, force: true });
    },
  };
}
