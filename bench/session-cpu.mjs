#!/usr/bin/env node
// CPU time per IMAP command of the session mix (issue 14), summed over every process a side needs,
// for our distributed platform and for Dovecot: the load-robust form of the session-mix line. On a
// machine that other work saturates, commands per second say little; the CPU a command costs does not
// depend much on who else runs.
//   node bench/session-cpu.mjs [--side=platform|anchor|both] [--mailbox=100] [--sessions=60] [--warmup=10] [--counts] [--profile=DIR]
//     [--service-env=K=V,...]   (added to every service's environment: e.g. ACCESS_STORE_READS=bus)
//     [--logged-in [--clients=10] [--loops=20] [--reps=3]]   (the session mix's logged-in line with a fixed amount
//                                of work: `clients` sessions at once, each logged in once, then `loops` rounds of SELECT,
//                                FETCH, STORE, APPEND, UID STORE, UID EXPUNGE; CPU per command over all of them, per process)
//     [--ab=K=V,...]            (A/B in one run: a second access replica with this environment, sessions alternating
//                                between the two, each arm summed apart: e.g. --ab=ACCESS_STORE_READS=bus, ADR 0057)
// One client, one session after another: LOGIN, SELECT INBOX, FETCH 1:* (FLAGS ENVELOPE),
// STORE 1:10 +FLAGS.SILENT (\Seen), APPEND (~10 KB), UID STORE +FLAGS.SILENT (\Deleted), UID EXPUNGE,
// LOGOUT (lib/session-mix.mjs's session). After each reply the tool waits a moment, so work a command
// leaves behind (its change event reaching the other processes) is charged to it, then reads /proc.
// Our side runs on a PostgreSQL and a nats-server of its own, so their whole CPU is this run's.
// --counts adds, per command, the NATS messages (the server's /varz) and the SQL statements
// (pg_stat_statements, loaded in that PostgreSQL) and the access processes' write system calls, in a second series of sessions so that reading
// them does not add to the CPU series.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// the anchor's directory is fixed when bench/anchor/anchor.mjs loads: a private one, never the default
// another run may be using, so the bench modules are imported after it is set
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ownAnchorDir = !process.env.BENCH_ANCHOR_DIR && arg('side', 'both') !== 'platform';
if (ownAnchorDir) process.env.BENCH_ANCHOR_DIR = mkdtempSync(join(tmpdir(), 'anchor-cpu-'));
const { ImapClient } = await import('./lib/imap-client.mjs');
const { sessionMixPass } = await import('./lib/session-mix.mjs');
const { makeMessage } = await import('./lib/message.mjs');
const { prepareMailbox } = await import('./lib/phases.mjs');
const { processTree, treeCpuOf } = await import('./lib/procmem.mjs');
const { distributedTarget } = await import('./targets/platform.mjs');
const { anchorTarget } = await import('./targets/anchor.mjs');
const { dovecotPids } = await import('./anchor/anchor.mjs');

const require = createRequire(import.meta.url);
const side = arg('side', 'both');
const size = Number(arg('mailbox', '100'));
const sessions = Number(arg('sessions', '60'));
const warmup = Number(arg('warmup', '10'));
const counts = process.argv.includes('--counts');
const loggedIn = process.argv.includes('--logged-in');
const clients = Number(arg('clients', '10'));
const loops = Number(arg('loops', '20'));
const reps = Number(arg('reps', '3'));
const profileDir = arg('profile', undefined);
/** --statements (with --logged-in --counts): each serving statement's cost over the counts pass (pg_stat_statements) */
const statements = process.argv.includes('--statements');
/** --ab=K=V[,K=V]: a second access replica with this environment; sessions alternate between the two (A: the first, B: the second) */
const ab = arg('ab', '') ? Object.fromEntries(arg('ab', '').split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) : null;
const serviceEnv = Object.fromEntries((arg('service-env', '') || '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
/** what a command may leave behind (a change event crossing NATS to access) gets this long to finish */
const SETTLE_MS = Number(arg('settle', '20'));
const SENDER = 'sender@remote.example';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** the store's and the directory's statements: the idle delivery and migration polls (queue, migration schemas) are not IMAP's */
const SERVING_SQL = "query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%queue.%' AND query NOT ILIKE '%migration%' AND query NOT ILIKE '%pg_advisory%'";

/** One session of the mix; `measure(name, fn)` wraps each command. */
async function session(port, user, k, measure) {
  const c = await ImapClient.connect(port, '127.0.0.1');
  await measure('LOGIN', () => c.login(user.address, user.password));
  await measure('SELECT', () => c.command('SELECT INBOX'));
  await measure('FETCH', () => c.command('FETCH 1:* (FLAGS ENVELOPE)', { keep: false }));
  await measure('STORE', () => c.command('STORE 1:10 +FLAGS.SILENT (\\Seen)'));
  const { raw } = makeMessage({ index: 3_000_000 + k, from: SENDER, to: user.address, runId: 'cpu' });
  let appended;
  await measure('APPEND', async () => (appended = await c.command(`APPEND INBOX {${raw.length}+}\r\n`, { raw })));
  const uid = /APPENDUID \d+ (\d+)/i.exec(appended.status)?.[1];
  if (!uid) throw new Error(`APPEND without APPENDUID: ${appended.status}`);
  await measure('UID STORE', () => c.command(`UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`));
  await measure('UID EXPUNGE', () => c.command(`UID EXPUNGE ${uid}`));
  await measure('LOGOUT', () => c.logout());
}

/**
 * Runs `n` sessions, each command between two readings of `read()`; sums per command name. With
 * several ports (--ab) session i goes to ports[i % ports.length] and each port's sessions are summed
 * apart: one arm per port, interleaved, so that both see the same machine load.
 */
async function series(ports, user, n, from, read) {
  const arms = ports.map(() => ({ sum: {}, times: {}, sessions: 0 }));
  const measureIn = (arm) => async (name, fn) => {
    const before = await read();
    const t0 = performance.now();
    await fn();
    (arm.times[name] ??= []).push(performance.now() - t0);
    await sleep(SETTLE_MS);
    const after = await read();
    const into = (arm.sum[name] ??= {});
    for (const [k, v] of Object.entries(after)) into[k] = (into[k] ?? 0) + v - (before[k] ?? 0);
  };
  for (let i = 0; i < n; i++) {
    const arm = arms[i % ports.length];
    arm.sessions++;
    await session(ports[i % ports.length], user, from + i, measureIn(arm));
  }
  return arms.map(({ sum, times, sessions: k }) => ({
    per: Object.fromEntries(Object.entries(sum).map(([name, by]) => [name, Object.fromEntries(Object.entries(by).map(([key, v]) => [key, v / k]))])),
    ms: Object.fromEntries(Object.entries(times).map(([name, a]) => [name, a.sort((x, y) => x - y)[a.length >> 1]])),
    sessions: k,
  }));
}

/**
 * Counters for --counts: NATS messages (the server's /varz), the serving SQL statements
 * (pg_stat_statements) and the write system calls of the access processes (/proc/<pid>/io syscw:
 * replies to clients, queries, NATS).
 */
function counters(target, nats, db) {
  const accessWrites = () =>
    target
      .processes()
      .filter((p) => p.name === 'access')
      .reduce((n, p) => n + Number(/^syscw: (\d+)/m.exec(readFileSync(`/proc/${p.pid}/io`, 'utf8'))?.[1] ?? 0), 0);
  return async () => {
    const v = await (await fetch(`${nats.monitorUrl}/varz`)).json();
    const q = await db.query(`SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements WHERE ${SERVING_SQL}`);
    return { 'NATS msgs in': v.in_msgs, 'SQL statements': q.rows[0].n, 'access writes': accessWrites() };
  };
}

/**
 * --logged-in: the session mix's logged-in regime (10 clients on one mailbox, each one LOGIN, then
 * `loops` rounds of the six commands), so each run does the same work; `read()` before and after the
 * whole pass, divided by the commands (LOGIN and LOGOUT included in the work, not in the count: 2
 * of ~120 per client). Every session sees the others' changes, as in the bench's line.
 */
async function loggedInPass(port, user, read, label) {
  const before = await read();
  const r = await sessionMixPass({ port, host: '127.0.0.1', user: user.address, password: user.password, from: SENDER, clients, loops, relogin: false });
  const after = await read();
  const per = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - (before[k] ?? 0)) / r.commands]));
  const sum = Object.values(per).reduce((a, b) => a + b, 0);
  console.log(`${label}: ${r.commands} commands, ${Math.round(r.commandsPerSec)}/s, per command ${sum.toFixed(3)}: ` +
    `${Object.entries(per).filter(([, v]) => v).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')} (load ${loadavg()[0].toFixed(1)}); ` +
    `mean ms ${Object.entries(r.mean).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  return { per, commands: r.commands };
}

/**
 * What each process spends doing nothing (timers, polls, metrics), in CPU ms per second, over 5 s:
 * a command's figure holds this much times its duration (plus the settle time) that is not its own.
 */
async function idleRates(read) {
  const before = await read();
  const t0 = performance.now();
  await sleep(5000);
  const after = await read();
  const s = (performance.now() - t0) / 1000;
  console.log(`idle CPU ms per second: ${Object.entries(after).map(([k, v]) => `${k} ${((v - (before[k] ?? 0)) / s).toFixed(2)}`).join(', ')}`);
}

/**
 * --statements: what each serving statement cost over the counted pass, per command of the pass
 * (`commands`): calls, execution time, rows, shared buffers hit/read/dirtied, WAL bytes, I/O time.
 * Counts and buffers hold under load; execution times move with it.
 */
async function statementCosts(db, commands) {
  const { rows } = await db.query(
    `SELECT calls, total_exec_time AS total, rows, shared_blks_hit AS hit, shared_blks_read AS read, shared_blks_dirtied AS dirtied,
            wal_bytes AS wal, blk_read_time + blk_write_time AS io, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
     FROM pg_stat_statements WHERE ${SERVING_SQL} ORDER BY total_exec_time DESC LIMIT 30`,
  );
  console.log(`\nSQL statements of the counted pass by total execution time (${commands} commands): calls/command, mean ms, ms/command, rows/call, shared hit/read/dirtied per call, WAL bytes/call, I/O ms, text`);
  for (const r of rows) {
    const c = Number(r.calls);
    console.log([(c / commands).toFixed(3), (r.total / c).toFixed(3), (r.total / commands).toFixed(3), (Number(r.rows) / c).toFixed(1),
      `${(Number(r.hit) / c).toFixed(1)}/${(Number(r.read) / c).toFixed(1)}/${(Number(r.dirtied) / c).toFixed(1)}`, (Number(r.wal) / c).toFixed(0), Number(r.io).toFixed(1), r.query].join('\t'));
  }
}

function table(title, per, ms, keys) {
  console.log(`\n${title}`);
  const cols = keys ?? [...new Set(Object.values(per).flatMap((by) => Object.keys(by)))];
  console.log(['command', 'sum', ...cols, 'median ms'].join('\t'));
  let total = 0;
  for (const [name, by] of Object.entries(per)) {
    const sum = cols.reduce((a, k) => a + (by[k] ?? 0), 0);
    total += sum;
    console.log([name, sum.toFixed(2), ...cols.map((k) => (by[k] ?? 0).toFixed(2)), ms?.[name]?.toFixed(1) ?? ''].join('\t'));
  }
  console.log(`session total\t${total.toFixed(2)}`);
}

async function platform() {
  const { startOwnPostgres, startOwnNats } = require('@mail/testing');
  const pgOwn = await startOwnPostgres({ settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all', track_io_timing: 'on', fsync: 'on' } });
  const nats = await startOwnNats(undefined, { monitor: true }).catch(async (err) => {
    await pgOwn.stop();
    throw err;
  });
  const user = { address: `cpu${size}@bench.test`, password: 'bench-Passw0rd-1' };
  let target;
  try {
    target = await distributedTarget({ users: [user], databaseAdminUrl: pgOwn.adminUrl, natsUrl: nats.url, profileDir, env: serviceEnv });
  } catch (err) {
    await nats.stop();
    await pgOwn.stop();
    throw err;
  }
  try {
    await target.provision();
    target.can = { imap: true };
    await prepareMailbox({ target, user, count: size, log: console.log });
    // PostgreSQL's backends by the service they serve (each pool names itself: application_name);
    // the postmaster, its background writers and closed backends (their time is the postmaster's) as 'pg other'
    const admin = new pg.Client({ connectionString: pgOwn.adminUrl, application_name: 'bench' });
    await admin.connect();
    const cpu = async () => {
      const { rows } = await admin.query('SELECT pid, application_name AS app FROM pg_stat_activity');
      const app = new Map(rows.map((r) => [r.pid, r.app]));
      const pgNamed = processTree([pgOwn.pid]).map((pid) => ({ name: app.has(pid) && app.get(pid) ? `pg ${app.get(pid)}` : 'pg other', pid, tree: false }));
      // the services and NATS start no children: each read alone (a tree walk scans all of /proc)
      const own = [...target.processes(), { name: 'nats', pid: nats.pid }].map((p) => ({ ...p, tree: false }));
      return { ...treeCpuOf(own), ...treeCpuOf(pgNamed) };
    };
    const ports = [target.ports.imap];
    if (ab) ports.push(Number((await target.addReplica('access', ab)).env.IMAP_PORT));
    if (loggedIn) {
      await loggedInPass(ports[0], user, cpu, 'warm-up');
      for (let rep = 1; rep <= reps; rep++) await loggedInPass(ports[0], user, cpu, `platform logged in, CPU ms, rep ${rep}`);
      if (counts) {
        const db = new pg.Client({ connectionString: target.databaseUrl });
        await db.connect();
        await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        await db.query('SELECT pg_stat_statements_reset()');
        const { commands } = await loggedInPass(ports[0], user, counters(target, nats, db), 'platform logged in, counts');
        if (statements) await statementCosts(db, commands);
        await db.end();
      }
      await admin.end();
      return;
    }
    const armName = (i) => (ab ? ` — arm ${'AB'[i]}: ${i ? `second access replica, ${JSON.stringify(ab)}` : 'first access replica'}` : '');
    await series(ports, user, warmup * ports.length, 0, cpu);
    await idleRates(cpu);
    const arms = await series(ports, user, sessions * ports.length, warmup * ports.length, cpu);
    // what serves IMAP; the other services (delivery's and migration's polls) idle beside it and are listed apart
    // (access has a pool of its own: small bodies, ADR 0052, and the store's reads, ADR 0057)
    const serving = ['access', 'store', 'auth', 's3rver', 'nats', 'pg access', 'pg store', 'pg auth', 'pg other'];
    arms.forEach(({ per, ms }, i) => {
      table(`platform (distributed), CPU ms per command, ${sessions} sessions on a ${size}-message mailbox${armName(i)}`, per, ms, serving);
      const others = Object.entries(Object.values(per).reduce((a, by) => (Object.entries(by).forEach(([k, v]) => (a[k] = (a[k] ?? 0) + v)), a), {}))
        .filter(([k]) => !serving.includes(k));
      console.log(`not counted (idle services and their database work), per session: ${others.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') || 'none'}`);
    });
    await admin.end();
    if (counts) {
      const db = new pg.Client({ connectionString: target.databaseUrl });
      await db.connect();
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query('SELECT pg_stat_statements_reset()');
      const read = counters(target, nats, db);
      const n = Math.min(sessions, 20);
      const counted = await series(ports, user, n * ports.length, (warmup + sessions) * ports.length, read);
      // each reading itself is one statement and one HTTP request, neither in the counts
      counted.forEach((c, i) => table(`platform, per command: NATS messages published (a request and its reply are 2) and SQL statements, ${n} sessions${armName(i)}`, c.per, null));
      const top = await db.query(
        `SELECT calls, round(total_exec_time::numeric / calls, 3) AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query FROM pg_stat_statements WHERE ${SERVING_SQL} ORDER BY calls DESC LIMIT 25`,
      );
      console.log(`\nSQL statements over those ${n} sessions (calls, mean exec ms, text):`);
      for (const r of top.rows) console.log(`${r.calls}\t${r.ms}\t${r.query}`);
      await db.end();
    }
  } finally {
    await target.close();
    await nats.stop();
    await pgOwn.stop();
  }
}

async function anchor() {
  const user = { address: 'user0@bench.test', password: 'bench-Passw0rd-1' };
  const target = await anchorTarget({ users: [user], maxConnections: 100, log: console.log });
  try {
    target.can = { imap: true };
    await prepareMailbox({ target, user, count: size, log: console.log });
    // Dovecot's processes only (Postfix takes no part in IMAP), exited imap and imap-login processes included
    const root = dovecotPids(process.env.BENCH_ANCHOR_DIR)[0];
    const cpu = async () => {
      const all = treeCpuOf([{ name: 'dovecot', pid: root }]);
      return all;
    };
    if (loggedIn) {
      await loggedInPass(target.ports.imap, user, cpu, 'warm-up');
      for (let rep = 1; rep <= reps; rep++) await loggedInPass(target.ports.imap, user, cpu, `Dovecot logged in, CPU ms, rep ${rep}`);
      return;
    }
    await series([target.ports.imap], user, warmup, 0, cpu);
    await idleRates(cpu);
    const [{ per, ms }] = await series([target.ports.imap], user, sessions, warmup, cpu);
    table(`Dovecot, CPU ms per command (all its processes), ${sessions} sessions on a ${size}-message mailbox`, per, ms, ['dovecot']);
  } finally {
    await target.close();
    if (ownAnchorDir) rmSync(process.env.BENCH_ANCHOR_DIR, { recursive: true, force: true });
  }
}

const load = () => console.log(`load: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
load();
if (Object.keys(serviceEnv).length) console.log(`service env: ${JSON.stringify(serviceEnv)}`);
if (side !== 'anchor') await platform();
if (side !== 'platform') await anchor();
load();
if (ownAnchorDir) rmSync(process.env.BENCH_ANCHOR_DIR, { recursive: true, force: true });
