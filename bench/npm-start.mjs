#!/usr/bin/env node
// `npm start` as a user runs it (issue 17: listening ≤ 10 s after `npm ci` on a fresh clone, ≤ 3 s on a
// restart; ADR 0083): in a checkout whose `npm ci` is done, each repetition removes every dist/, the
// data directory and the compile cache (what a fresh clone has after `npm ci`), runs `npm start` until
// /readyz answers (and the SMTP banner), stops it, then runs it again as a restart with nothing changed.
// Reports wall time to the banner and to /readyz and the CPU time of the whole process tree (npm, sh,
// the start-build and the embedded process), which the machine's load moves far less than wall time.
//   node bench/npm-start.mjs --dir=<a clone after npm ci: its dist/ and data/ are removed> [--reps=3] [--restarts=1]
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { embeddedEnv, loadAverage as load, untilReady } from './lib/embedded-env.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
if (!arg('dir')) throw new Error('--dir=<a clone after npm ci> is required (its dist/ and data/ are removed)');
const dir = resolve(arg('dir'));
const cacheDir = join(tmpdir(), `npm-start-bench-cache-${process.pid}`);
const reps = Number(arg('reps', '3'));
const restarts = Number(arg('restarts', '1'));
const TICK_MS = 10; // clock ticks of /proc/*/stat (USER_HZ 100)

/** CPU time (ms) of every process in the group, live ones with what they have reaped of their children */
function groupCpuMs(pgid) {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let f;
    try {
      f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    } catch {
      continue;
    }
    // fields after the name: state(0) ppid(1) pgrp(2) … utime(11) stime(12) cutime(13) cstime(14)
    if (Number(f[2]) !== pgid) continue;
    total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
  }
  return total;
}


function clean() {
  for (const base of ['libs', 'apps', 'test']) for (const p of readdirSync(join(dir, base))) rmSync(join(dir, base, p, 'dist'), { recursive: true, force: true });
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
}

async function npmStart() {
  const { ports, env } = await embeddedEnv({
    HOME: process.env.HOME,
    // a compile cache of this run's own, emptied with dist/ (the default one in the OS temp directory is shared)
    NODE_COMPILE_CACHE: cacheDir,
  });
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const { bannerMs, log } = await untilReady(child, ports, started, { what: 'npm start', limitMs: 600_000 });
    const readyMs = performance.now() - started;
    const transpiled = /transpiled (\d+) changed files?(?: \((\w+))?/.exec(log());
    return { bannerMs: Math.round(bannerMs), readyMs: Math.round(readyMs), cpuMs: groupCpuMs(child.pid), transpiled: transpiled ? `${transpiled[1]} ${transpiled[2] ?? 'TypeScript'}` : '', load: load() };
  } finally {
    process.kill(-child.pid, 'SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));
  }
}

const rows = { fresh: [], restart: [] };
for (let i = 0; i < reps; i++) {
  clean();
  const fresh = await npmStart();
  rows.fresh.push(fresh);
  console.log(JSON.stringify({ rep: i + 1, kind: 'fresh', ...fresh }));
  for (let j = 0; j < restarts; j++) {
    const again = await npmStart();
    rows.restart.push(again);
    console.log(JSON.stringify({ rep: i + 1, kind: 'restart', ...again }));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [kind, list] of Object.entries(rows))
  console.log(JSON.stringify({ median: true, kind, ...Object.fromEntries(['bannerMs', 'readyMs', 'cpuMs'].map((k) => [k, median(list.map((r) => r[k]))])), loads: list.map((r) => r.load).join(' ') }));
rmSync(cacheDir, { recursive: true, force: true });
