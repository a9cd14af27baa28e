#!/usr/bin/env node
// One IMAP command, timed over and over on a filled mailbox of our distributed platform: for profiling
// a single IMAP figure without the rest of the run (the V8 profiles then hold little else).
//   node bench/imap-loop.mjs [--mailbox=10000] [--times=20] [--profile=DIR] [--command='UID FETCH 1:* (...)'] [--hold] [--each]
//     [--append]              the command is the bench's APPEND (a new ~10 KB message, LITERAL+, each waiting for its OK: `APPEND x1,000`)
//     [--service-env=K=V,...] added to every service's environment (e.g. ACCESS_STORE_APPENDS=bus for an A/B, ADR 0063)
// --each prints every command's time and CPU per process; --hold keeps the platform up afterwards (until Ctrl-C), to look at its database by hand.
// After the CPU line: each service's CPU split into user/system, and its read and write system calls (syscr/syscw of
// /proc/PID/io) and context switches (all threads; the involuntary ones, preemptions, apart) per command: counts, firm where time is not.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ImapClient } from './lib/imap-client.mjs';
import { makeMessage } from './lib/message.mjs';
import { cpuProcesses, prepareMailbox } from './lib/phases.mjs';
import { cpuOf } from './lib/procmem.mjs';
import { spread } from './lib/stats.mjs';
import { distributedTarget } from './targets/platform.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const size = Number(arg('mailbox', '10000'));
const times = Number(arg('times', '20'));
const command = arg('command', 'UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)');
const profileDir = arg('profile', undefined);
const user = { address: `loop${size}@bench.test`, password: 'bench-Passw0rd-1' };
const appendMode = process.argv.includes('--append');
const env = Object.fromEntries((arg('service-env', '') || '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
/** one IMAP command as the loop sends it: the given command, or a new message to APPEND */
const send = (c, i) => {
  if (!appendMode) return c.command(command, { keep: false });
  const { raw } = makeMessage({ index: 5_000_000 + i, from: 'sender@remote.example', to: user.address, runId: 'loop' });
  return c.command(`APPEND INBOX {${raw.length}+}\r\n`, { raw });
};

const target = await distributedTarget({
  users: [user],
  databaseAdminUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
  profileDir,
  env,
});
// interrupted: stop the services and drop the test database all the same
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => target.close().finally(() => process.exit(130)));
try {
  await target.provision();
  target.can = { imap: true };
  await prepareMailbox({ target, user, count: size, log: console.log });
  const c = await ImapClient.connect(target.ports.imap, target.host);
  await c.login(user.address, user.password);
  await c.command('SELECT INBOX');
  const ms = [];
  // CPU of each service, the S3 server, PostgreSQL, NATS and this client, from a reading on
  const cpuSince = (reading, commands = 1) =>
    Object.entries(cpuOf(cpuProcesses(target)))
      .map(([name, v]) => [name, (v - (reading[name] ?? 0)) / commands])
      .filter(([, v]) => v > 0)
      .map(([name, v]) => `${name} ${v.toFixed(1)}`)
      .join(', ');
  // PostgreSQL is shared with other work on this machine: count the backends of this platform's database only
  const pg = createRequire(import.meta.url)('pg');
  const admin = new pg.Client({ connectionString: target.databaseUrl });
  await admin.connect();
  const { rows: backends } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  // transactions committed in this database: firm counts per command (every statement outside
  // BEGIN/COMMIT is one), read after the backends' statistics reach the server (PostgreSQL 15
  // sends them when a backend goes idle, at most once a second)
  const xacts = async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const { rows } = await admin.query('SELECT pg_stat_force_next_flush(), xact_commit::bigint AS commits, tup_inserted::bigint AS inserted FROM pg_stat_database WHERE datname = current_database()');
    return { commits: Number(rows[0].commits), inserted: Number(rows[0].inserted) };
  };
  const xactsBefore = await xacts();
  console.log(`PostgreSQL backends of this database: ${backends.length}`);
  target.infraProcesses = ['nats-server'];
  const plainProcesses = target.processes;
  target.processes = () => [...plainProcesses(), ...backends.map((b) => ({ name: 'pg backends', pid: b.pid }))];
  // per named process: user and system CPU ms (utime, stime; 100 ticks a second), read and write system calls, context switches
  const sysCounts = () => {
    const out = new Map();
    for (const [name, [counts, threads]] of target.processes().flatMap(({ name, pid }) => {
        try {
          const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
          const io = Object.fromEntries(readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n').map((l) => [l.split(':')[0], Number(l.split(':')[1])]));
          let switches = 0;
          let preempted = 0;
          const threads = {};
          for (const t of readdirSync(`/proc/${pid}/task`)) {
            const status = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
            const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? t;
            for (const m of status.matchAll(/(nonvoluntary_)?ctxt_switches:\s+(\d+)/g)) {
              switches += Number(m[2]);
              if (m[1]) preempted += Number(m[2]);
              threads[comm] = (threads[comm] ?? 0) + Number(m[2]);
            }
          }
          return [[name, [[Number(f[11]) * 10, Number(f[12]) * 10, io.syscr, io.syscw, switches, preempted], threads]]];
        } catch {
          return [];
        }
      })) {
      // several processes of one name (the PostgreSQL backends) add up
      const seen = out.get(name);
      if (!seen) out.set(name, [counts, threads]);
      else {
        counts.forEach((v, i) => (seen[0][i] += v));
        for (const [comm, n] of Object.entries(threads)) seen[1][comm] = (seen[1][comm] ?? 0) + n;
      }
    }
    return out;
  };
  const countsStart = sysCounts();
  const start = cpuOf(cpuProcesses(target));
  // the loop's window on the monotonic clock V8's profile timestamps share: profile-summary.mjs counts only its samples
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const each = process.argv.includes('--each');
  for (let i = 0; i < times; i++) {
    const at = each ? cpuOf(cpuProcesses(target)) : null;
    const r = await send(c, i);
    ms.push(r.ms);
    if (at) console.log(`#${i + 1} ${r.ms.toFixed(0)} ms; CPU ms: ${cpuSince(at)}`);
  }
  console.log(`CPU ms per command: ${cpuSince(start, times)}`);
  const countsEnd = sysCounts();
  console.log('per command: CPU ms user/system, read/write system calls, context switches:');
  for (const [name, [end, threads]] of countsEnd) {
    const [before, threadsBefore] = countsStart.get(name) ?? [end, threads];
    const d = end.map((v, i) => (v - before[i]) / times);
    if (d[0] + d[1] < 0.05 && d[2] + d[3] < 0.5) continue;
    // the threads that switched most (V8's workers, libuv's pool, the main thread by the process's name)
    const busiest = Object.entries(threads)
      .map(([comm, n]) => [comm, (n - (threadsBefore[comm] ?? 0)) / times])
      .filter(([, n]) => n >= 0.5)
      .sort((a, b) => b[1] - a[1])
      .map(([comm, n]) => `${comm} ${n.toFixed(1)}`)
      .join(', ');
    console.log(`  ${name.padEnd(12)} ${d[0].toFixed(2)}/${d[1].toFixed(2)} ms, ${d[2].toFixed(2)}/${d[3].toFixed(2)} calls, ${d[4].toFixed(2)} switches (${d[5].toFixed(2)} involuntary; ${busiest})`);
  }
  const xactsAfter = await xacts();
  await admin.end();
  console.log(`per command: ${((xactsAfter.commits - xactsBefore.commits) / times).toFixed(2)} transactions committed, ${((xactsAfter.inserted - xactsBefore.inserted) / times).toFixed(2)} rows inserted (this database)`);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  if (profileDir) writeFileSync(join(profileDir, 'window.json'), JSON.stringify({ fromUs, toUs: Number(process.hrtime.bigint() / 1000n), messages: times }));
  await c.logout();
  const { min, median, max } = spread(ms);
  console.log(`${appendMode ? 'APPEND' : command}${Object.keys(env).length ? ` ${JSON.stringify(env)}` : ''}: ${times}× on ${size}: min ${min.toFixed(1)} median ${median.toFixed(1)} max ${max.toFixed(1)} ms, total ${ms.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
  console.log(ms.map((x) => x.toFixed(0)).join(' '));
  if (process.argv.includes('--hold')) {
    console.log('holding; Ctrl-C stops the platform');
    await new Promise(() => undefined);
  }
} finally {
  await target.close();
}
