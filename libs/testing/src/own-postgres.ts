import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { haltProcess, waitForServer } from './server-process.js';

/** PostgreSQL's server binaries (Debian keeps them out of PATH, one directory per major version). */
async function postgresBin(name: 'initdb' | 'postgres'): Promise<string> {
  const base = '/usr/lib/postgresql';
  const versions = (await readdir(base)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`no PostgreSQL under ${base}`);
  return join(base, versions[0], 'bin', name);
}

/** initdb and postgres refuse to run as root: as root, they run as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** `-c name=value` for each extra setting (e.g. a bench's `shared_preload_libraries`). */
function settingArgs(settings: Record<string, string> = {}): string[] {
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

export interface OwnPostgres {
  /** superuser URL of the `postgres` database (trust authentication on loopback) */
  adminUrl: string;
  port: number;
  /** the postmaster's pid (changes with every start) */
  readonly pid: number | undefined;
  /** an immediate shutdown (as a crash: recovery at the next start), then a start on the same port and data */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server of a test's own (initdb in a temporary directory, its own port), for tests
 * that stop or crash the database: the machine's shared server is never touched.
 */
export async function startOwnPostgres(opts: { settings?: Record<string, string> } = {}): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'mail-pg-'));
  const data = join(dir, 'data');
  const user = runAs();
  if (user) await chown(dir, user.uid, user.gid);
  const initdb = await postgresBin('initdb');
  await new Promise<void>((resolve, reject) => {
    const p = spawn(initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { ...(user ?? {}), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (${code}): ${err}`))));
  });
  const port = await freePort();
  const binary = await postgresBin('postgres');
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let proc: ChildProcess | undefined;
  const accepting = async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const start = async () => {
    // fsync off: the tests crash the server, not the machine, so the page cache keeps every write
    proc = spawn(binary, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=300', ...settingArgs(opts.settings)], {
      ...(user ?? {}),
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    await waitForServer('postgres', proc, accepting, 60_000);
  };

  await start();
  return {
    adminUrl,
    port,
    get pid() {
      return proc?.pid;
    },
    restart: async () => {
      await haltProcess(proc, 'SIGQUIT');
      await start();
    },
    stop: async () => {
      await haltProcess(proc, 'SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
