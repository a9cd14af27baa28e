// Where an accepted message's CPU goes in the distributed ingest path (smtp-in → queue → delivery →
// store), in figures a loaded machine does not distort: CPU time per message of every process (the
// services, the S3 server, PostgreSQL's whole process tree, NATS), SQL statements per message with
// their WAL bytes (pg_stat_statements), the WAL of the whole server per message, and NATS messages
// and bytes per message. The platform runs on a PostgreSQL and a NATS of this run's own (so nothing
// else's statements, WAL or bus traffic is counted), with fsync on as in production.
//   node bench/ingest-cpu.mjs [--messages=2000] [--warmup=500] [--connections=16] [--users=16]
//                             [--one-mailbox] [--subjects] [--profile=DIR] [--root=DIR] [--json]
// --one-mailbox: every message to one account; --subjects: counts bus messages per subject with a
// wildcard subscription (that doubles NATS's deliveries, so read NATS's CPU from a run without it);
// --root=DIR: run another checkout's build (for an A/B: alternate the two, quote `uptime` beside).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { smtpLoad, toDataPayload } from './lib/smtp-load.mjs';
import { makeMessage } from './lib/message.mjs';
import { provision } from './targets/provision.mjs';
import { ioCallsOf, machineCpuMs, processTree, treeCpuOf } from './lib/procmem.mjs';

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (!a) return dflt;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : true;
};
const root = arg('root', fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''));
const MESSAGES = Number(arg('messages', 2000));
const WARMUP = Number(arg('warmup', 500));
const CONNECTIONS = Number(arg('connections', 16));
const USERS = arg('one-mailbox', false) ? 1 : Number(arg('users', 16));
const SENDER = 'sender@remote.example';

const require = createRequire(join(root, 'package.json'));
const testing = require(join(root, 'libs/testing/dist/index.js'));
const pg = require('pg');

const log = (...a) => console.error(...a);
const uptime = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const ownPg = await testing.startOwnPostgres({ settings: { fsync: 'on', shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '1000', 'pg_stat_statements.track_utility': 'off' } });
const ownNats = await testing.startOwnNats(undefined, { monitor: true });
let platform;
let db;
try {
  platform = await testing.startDistributedPlatform({
    databaseAdminUrl: ownPg.adminUrl,
    natsUrl: ownNats.url,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ALLOW_PLAINTEXT_AUTH: 'true',
      DATABASE_POOL_SIZE: '10',
      AUTH_LOGIN_DELAY_MS: '1000',
      // --profile=DIR: every service writes a V8 CPU profile there when it stops (bench/profile-summary.mjs)
      ...(arg('profile', false) ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${arg('profile')}` } : {}),
    },
    s3InChild: true,
  });
  db = new pg.Client({ connectionString: platform.databaseUrl });
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const PASSWORD = 'bench-Passw0rd-1';
  const users = Array.from({ length: USERS }, (_, i) => ({ address: `${USERS === 1 ? 'one' : 'in'}${i}@bench.test`, password: PASSWORD }));
  await provision({ adminUrl: platform.adminUrl, adminToken: platform.adminToken, domain: 'bench.test', users });

  const delivered = async () => Number((await db.query('SELECT count(*)::int AS n FROM mail.messages /* ingest-cpu */')).rows[0].n);
  const send = async (count, runId) => {
    const messages = Array.from({ length: count }, (_, i) => {
      const to = users[i % users.length].address;
      const m = makeMessage({ index: i, from: SENDER, to, runId });
      return { from: SENDER, to, payload: toDataPayload(m.raw), messageId: m.messageId };
    });
    const before = await delivered();
    const r = await smtpLoad({ port: platform.ports.smtp, host: '127.0.0.1', messages, connections: CONNECTIONS });
    if (r.failed) throw new Error(`${r.failed} messages not accepted: ${r.errors.slice(0, 3).join('; ')}`);
    const deadline = Date.now() + 300_000;
    while ((await delivered()) < before + r.accepted) {
      if (Date.now() > deadline) throw new Error('not all accepted messages were delivered within 300 s');
      await new Promise((res) => setTimeout(res, 100));
    }
    return r;
  };

  log(`warm-up: ${WARMUP} messages (load ${uptime()})`);
  if (WARMUP) await send(WARMUP, 'warm');
  // a quiet moment: the warm-up's deferred work (checkpoint, autovacuum) out of the measured window
  await db.query('CHECKPOINT');

  const processes = () => [
    ...platform.services.map((s) => ({ name: s.name, pid: s.proc.pid, tree: false })),
    { name: 's3rver', pid: platform.s3.pid, tree: false },
    { name: 'postgres', pid: ownPg.pid },
    { name: 'nats', pid: ownNats.pid, tree: false },
    { name: 'bench client', pid: process.pid, tree: false },
  ].filter((p) => p.pid);
  const varz = async () => (await fetch(`${ownNats.monitorUrl}/varz`)).json();

  let tap;
  const subjects = new Map();
  if (arg('subjects', false)) {
    const { connect } = require('@nats-io/transport-node');
    tap = await connect({ servers: ownNats.url });
    tap.subscribe('>', {
      callback: (_err, m) => {
        // the bus prefix off, an account id in a subject as *, every reply inbox as one
        const s = /\.v\d+(\.|$)/.test(m.subject) ? m.subject.replace(/^[^.]+\./, '').replace(/\.[0-9a-f-]{8,}.*$/, '.*') : '(replies)';
        const e = subjects.get(s) ?? { n: 0, bytes: 0 };
        e.n++;
        e.bytes += m.data.length;
        subjects.set(s, e);
      },
    });
    await tap.flush();
  }

  await db.query('SELECT pg_stat_statements_reset()');
  const lsn0 = (await db.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
  // WAL flushes: every synchronous commit that finds its record not yet on disk asks for one
  const walStat = async () => (await db.query('SELECT wal_write::bigint AS w, wal_sync::bigint AS s FROM pg_stat_wal /* ingest-cpu */')).rows[0];
  const walStat0 = await walStat();
  const v0 = await varz();
  // read/write system calls (socket and file) per process; PostgreSQL's whole tree (its backends)
  const ioCalls = () => ioCallsOf(processes().flatMap((p) => (p.tree === false ? [p] : processTree([p.pid]).map((pid) => ({ name: p.name, pid })))));
  const io0 = ioCalls();
  const cpu0 = treeCpuOf(processes());
  const machine0 = machineCpuMs();
  const load0 = uptime();
  const t0 = performance.now();
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const r = await send(MESSAGES, 'measured');
  const wallMs = performance.now() - t0;
  if (arg('profile', false)) writeFileSync(join(arg('profile'), 'window.json'), JSON.stringify({ fromUs, toUs: Number(process.hrtime.bigint() / 1000n), messages: r.accepted }));
  const cpu1 = treeCpuOf(processes());
  const io1 = ioCalls();
  const machine1 = machineCpuMs();
  const v1 = await varz();
  const walStat1 = await walStat();
  const wal = Number((await db.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [lsn0])).rows[0].d);
  const { rows: statements } = await db.query(
    `SELECT calls, rows, total_exec_time, wal_bytes, wal_records, wal_fpi, query FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%ingest-cpu%' AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%'
      ORDER BY calls DESC`,
  );
  const n = r.accepted;
  const per = (x) => x / n;
  const cpu = Object.fromEntries(Object.keys(cpu1).map((k) => [k, per(cpu1[k] - (cpu0[k] ?? 0))]));
  const total = Object.values(cpu).reduce((a, b) => a + b, 0) - (cpu['bench client'] ?? 0);
  const result = {
    root,
    messages: n,
    users: USERS,
    connections: CONNECTIONS,
    load: { before: load0, after: uptime() },
    wallMs: Math.round(wallMs),
    // the client's latency (write of MAIL+RCPT+DATA → 250); on a loaded machine a direction, not a figure
    latencyMs: { p50: +r.p50.toFixed(1), p99: +r.p99.toFixed(1) },
    cpuMsPerMessage: Object.fromEntries(Object.entries(cpu).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +v.toFixed(3)])),
    serverCpuMsPerMessage: +total.toFixed(3),
    // read + write system calls per message (/proc/PID/io syscr + syscw): counts the load does not move
    ioCallsPerMessage: Object.fromEntries(Object.keys(io1).sort((a, b) => io1[b] - (io0[b] ?? 0) - (io1[a] - (io0[a] ?? 0))).map((k) => [k, +per(io1[k] - (io0[k] ?? 0)).toFixed(2)])),
    machineCpuMsPerMessage: +per(machine1 - machine0).toFixed(2),
    walBytesPerMessage: Math.round(per(wal)),
    walSyncsPerMessage: +per(Number(walStat1.s) - Number(walStat0.s)).toFixed(3),
    walWritesPerMessage: +per(Number(walStat1.w) - Number(walStat0.w)).toFixed(3),
    sqlStatementsPerMessage: +per(statements.reduce((a, s) => a + Number(s.calls), 0)).toFixed(3),
    statements: statements.slice(0, 25).map((s) => ({
      perMessage: +per(Number(s.calls)).toFixed(3),
      rowsPerCall: +(Number(s.rows) / Math.max(1, Number(s.calls))).toFixed(1),
      execMsPerMessage: +per(Number(s.total_exec_time)).toFixed(3),
      walBytesPerMessage: Math.round(per(Number(s.wal_bytes))),
      fpiPerMessage: +per(Number(s.wal_fpi)).toFixed(3),
      query: s.query.replace(/\s+/g, ' ').slice(0, 140),
    })),
    nats: {
      inMsgsPerMessage: +per(v1.in_msgs - v0.in_msgs).toFixed(2),
      inBytesPerMessage: Math.round(per(v1.in_bytes - v0.in_bytes)),
      outMsgsPerMessage: +per(v1.out_msgs - v0.out_msgs).toFixed(2),
    },
    ...(tap
      ? { subjects: Object.fromEntries([...subjects].sort((a, b) => b[1].n - a[1].n).map(([k, v]) => [k, { perMessage: +per(v.n).toFixed(3), bytesPerMessage: Math.round(per(v.bytes)) }])) }
      : {}),
  };
  await tap?.close();
  if (arg('json', false)) console.log(JSON.stringify(result));
  else {
    const { statements: st, ...head } = result;
    console.log(JSON.stringify(head, null, 1));
    console.log('SQL (per accepted message: calls, rows per call, exec ms, WAL bytes, full-page images):');
    for (const s of st) console.log(`  ${s.perMessage.toFixed(3).padStart(7)} ${String(s.rowsPerCall).padStart(6)} ${s.execMsPerMessage.toFixed(3).padStart(7)} ${String(s.walBytesPerMessage).padStart(6)} ${s.fpiPerMessage.toFixed(2).padStart(5)}  ${s.query}`);
  }
} finally {
  await db?.end().catch(() => undefined);
  await platform?.close().catch((e) => log('close:', e));
  await ownNats.stop().catch(() => undefined);
  await ownPg.stop().catch(() => undefined);
}
process.exit(0);
