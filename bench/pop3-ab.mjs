#!/usr/bin/env node
// POP3 LIST + RETR ×1,000 of two builds side by side: one distributed platform per build (each its own
// database, bus prefix and S3), filled alike, then passes alternated A B B A …; per pass the wall time and,
// firm under load, the access process's CPU and read/write system calls (/proc/PID/io syscr + syscw).
//   node bench/pop3-ab.mjs --a=/path/to/build-A --b=/path/to/build-B [--passes=8] [--messages=1000]
// Each path is a checkout whose `npm run build` is done; its own bench/ code starts its platform.
// Setup (start and fill) takes minutes: start it, and hold /work/wt/bench.lock only once it prints READY
// by creating the file it names (touch), so the lock is held for the passes alone.
import { existsSync, rmSync } from 'node:fs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const repos = { A: arg('a', undefined), B: arg('b', undefined) };
if (!repos.A || !repos.B) throw new Error('usage: node bench/pop3-ab.mjs --a=REPO --b=REPO [--passes=8] [--messages=1000] [--go=FILE]');
const passes = Number(arg('passes', '8'));
const count = Number(arg('messages', '1000'));
const goFile = arg('go', undefined);

const sides = [];
const close = () => Promise.all(sides.map((s) => s.target.close()));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => close().finally(() => process.exit(130)));
try {
  for (const [name, repo] of Object.entries(repos)) {
    const { distributedTarget } = await import(`${repo}/bench/targets/platform.mjs`);
    const { prepareMailbox } = await import(`${repo}/bench/lib/phases.mjs`);
    const { pop3Pass } = await import(`${repo}/bench/lib/pop3-load.mjs`);
    const { cpuOf, ioCallsOf } = await import(`${repo}/bench/lib/procmem.mjs`);
    const user = { address: `pop${name.toLowerCase()}@bench.test`, password: 'bench-Passw0rd-1' };
    const target = await distributedTarget({
      users: [user],
      databaseAdminUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
      env: {},
    });
    sides.push({ name, target, user, pop3Pass, cpuOf, ioCallsOf });
    await target.provision();
    target.can = { imap: true };
    await prepareMailbox({ target, user, count, log: console.log });
  }
  const pass = (s) => s.pop3Pass({ port: s.target.ports.pop3, host: s.target.host, user: s.user.address, password: s.user.password, max: count });
  if (goFile) {
    console.log(`READY: create ${goFile} to start the passes`);
    while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 500));
    rmSync(goFile);
  }
  // the unmeasured pass fills access's body cache, as the bench's warm-up does
  for (const s of sides) await pass(s);
  const res = { A: [], B: [] };
  for (let i = 0; i < passes; i++) {
    for (const s of i % 2 ? [...sides].reverse() : sides) {
      const access = () => s.target.processes().filter((p) => p.name === 'access');
      const cpu0 = s.cpuOf(access()).access ?? 0;
      const io0 = s.ioCallsOf(access()).access ?? 0;
      const r = await pass(s);
      const cpu = (s.cpuOf(access()).access ?? 0) - cpu0;
      const io = (s.ioCallsOf(access()).access ?? 0) - io0;
      res[s.name].push({ ms: r.listRetr, cpu, io });
      console.log(`${s.name} pass ${i + 1}: ${r.listRetr.toFixed(0)} ms, access CPU ${cpu.toFixed(0)} ms, access read/write syscalls ${io}`);
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const n of ['A', 'B']) {
    const r = res[n];
    console.log(`${n}: median ${median(r.map((x) => x.ms)).toFixed(0)} ms, access CPU ${median(r.map((x) => x.cpu)).toFixed(0)} ms, read/write syscalls ${median(r.map((x) => x.io))} per LIST + RETR ×${count}`);
  }
} finally {
  await close();
}
