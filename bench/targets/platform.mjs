// Our platform as a bench target, in either mode, from the helpers the e2e tests use:
//   distributed: every service its own process (@mail/testing startDistributedPlatform) on the local
//                PostgreSQL and NATS and an S3 server (s3rver) in a process of its own, so that it
//                neither shares the bench client's event loop nor hides its CPU in the client's;
//   embedded:    `node apps/standalone/dist/main.js` as a child process (PGlite, blob directory, in-process bus),
//                so its memory is its own and not the bench's.
// Only what a production deployment would set differs from the test helpers' defaults: plaintext auth on
// loopback (the anchor has it too), production NODE_ENV, quiet logs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { fillByAppend } from '../lib/fill.mjs';
import { freePort } from '../lib/net.mjs';
import { provision } from './provision.mjs';
import { cpuOf, residentOf } from '../lib/procmem.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOMAIN = 'bench.test';

const PROD_ENV = { NODE_ENV: 'production', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ALLOW_PLAINTEXT_AUTH: 'true', DATABASE_POOL_SIZE: '10', AUTH_LOGIN_DELAY_MS: '1000' };

/** --profile=DIR: every service process writes a V8 CPU profile there when it exits (bench/profile-summary.mjs reads them). */
function serviceEnv(profileDir, name) {
  if (!profileDir) return PROD_ENV;
  return { ...PROD_ENV, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(profileDir, name)}` };
}

function versionOf() {
  try {
    return require(join(root, 'package.json')).version;
  } catch {
    return '?';
  }
}

function common({ name, label, p, pids, users, closeFn }) {
  return {
    name,
    label,
    host: '127.0.0.1',
    domain: DOMAIN,
    ports: { smtp: p.ports.smtp, imap: p.ports.imap, pop3: p.ports.pop3 },
    adminUrl: p.adminUrl,
    adminToken: p.adminToken,
    versions: { platform: versionOf() },
    imapServerPids: pids,
    serverPids: pids,
    provision: () => provision({ adminUrl: p.adminUrl, adminToken: p.adminToken, domain: DOMAIN, users }),
    fill: ({ user, count, startIndex, from }) => fillByAppend({ port: p.ports.imap, host: '127.0.0.1', user: user.address, password: user.password, count, startIndex, from }),
    close: closeFn,
  };
}

export async function distributedTarget({ users, databaseAdminUrl, natsUrl, profileDir, env = {} }) {
  const { startDistributedPlatform } = require('@mail/testing');
  const p = await startDistributedPlatform({ databaseAdminUrl, natsUrl, env: { ...serviceEnv(profileDir, 'distributed'), ...env }, s3InChild: true });
  const processes = () => [...p.services.map((s) => ({ name: s.name, pid: s.proc.pid })), { name: 's3rver', pid: p.s3.pid }].filter((x) => x.pid);
  const t = common({ name: 'platform', label: 'this platform (distributed)', p, users, pids: () => processes().map((x) => x.pid), closeFn: () => p.close() });
  t.logs = () => p.logs();
  // the loopback DNS server the platform asks: the verified-ingest phase publishes its sender domain there
  t.dns = p.dns;
  t.processes = processes;
  /** one more replica of a service, with `env` added (session-cpu.mjs --ab) */
  t.addReplica = (name, env) => p.addReplica(name, env);
  t.infraProcesses = ['postgres', 'nats-server'];
  t.databaseUrl = p.databaseUrl;
  // migration batches run in the migration service (ADR 0028), when the platform has one
  t.canMigrate = p.services.some((s) => s.name === 'migration');
  return t;
}

export async function embeddedTarget({ users, profileDir, checkout = root, env: extraEnv = {} }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mail-bench-embedded-'));
  const ports = { smtp: await freePort(), submission: await freePort(), imap: await freePort(), pop3: await freePort(), admin: await freePort() };
  const adminToken = randomBytes(24).toString('base64url');
  // as in the distributed target (startDistributedPlatform): DNS answers come from loopback, never the machine's resolver
  const dns = await require('@mail/testing').startDnsServer();
  const env = {
    PATH: process.env.PATH,
    ...serviceEnv(profileDir, 'embedded'),
    DATA_DIR: dataDir,
    BIND_HOST: '127.0.0.1',
    HOSTNAME_FQDN: 'localhost',
    SMTP_PORT: String(ports.smtp),
    SUBMISSION_PORT: String(ports.submission),
    IMAP_PORT: String(ports.imap),
    POP3_PORT: String(ports.pop3),
    ADMIN_PORT: String(ports.admin),
    HTTP_PORT: String(await freePort()),
    ADMIN_TOKEN: adminToken,
    DNS_SERVERS: dns.servers.join(','),
    // bench/pglite-sql-count.cjs, when preloaded: where it writes
    ...(process.env.PGLITE_SQL_COUNT_OUT ? { PGLITE_SQL_COUNT_OUT: process.env.PGLITE_SQL_COUNT_OUT } : {}),
    // an A/B's variant (bench/embedded-ingest.mjs --env)
    ...extraEnv,
  };
  const started = performance.now();
  // BENCH_EMBEDDED_NODE_FLAGS: node/V8 flags for an A/B of the embedded process (V8 freezes its flags at start)
  const nodeFlags = (process.env.BENCH_EMBEDDED_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, join(checkout, 'apps', 'standalone', 'dist', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (c) => {
    log = (log + c).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const adminUrl = `http://127.0.0.1:${ports.admin}`;
  // 150 s as for the services under test (c4cd0a6): at load 25+ on 2 cores a start took over 60 s
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`standalone exited with ${child.exitCode}:\n${log}`);
    const ok = await fetch(`${adminUrl}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`standalone not ready after 150 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const startup = await startupFigures(child.pid, started);
  const closeFn = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(t);
    }
    rmSync(dataDir, { recursive: true, force: true });
    await dns.close();
  };
  const t = common({ name: 'embedded', label: 'this platform (embedded)', p: { ports, adminUrl, adminToken }, users, pids: () => [child.pid], closeFn });
  t.logs = () => log;
  t.processes = () => [{ name: 'standalone', pid: child.pid }];
  t.startup = startup;
  t.canMigrate = true;
  t.resident = () => residentOf(child.pid);
  return t;
}

/** ms the embedded process settles after /readyz before its idle memory is read (V8 finishes its background compiles) */
const SETTLE_MS = 10_000;

/**
 * A fresh embedded process's start on an empty DATA_DIR: the wall time to /readyz, the CPU time it
 * spent getting there (steady under load, unlike the wall time), its peak RSS (VmHWM) at /readyz and
 * once it has sat idle for a while, and its RSS then. The peak that counts is the later one: V8's
 * optimising compile of PGlite's largest hot function, which the start's statements trigger, often
 * runs on a background thread after /readyz (ADR 0054: 833 → 923 and 840 → 957 MiB in two runs).
 */
async function startupFigures(pid, started) {
  const readyMs = performance.now() - started;
  const cpuMs = cpuOf([{ name: 'standalone', pid }]).standalone;
  const atReady = residentOf(pid);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const idle = residentOf(pid);
  return { readyMs, cpuMs, peakAtReady: atReady?.peak, peak: idle?.peak ?? atReady?.peak, idleRss: idle?.rss };
}
