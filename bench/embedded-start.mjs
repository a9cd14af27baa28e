#!/usr/bin/env node
// The embedded process's start and memory alone, repeated (ADR 0054): spawn apps/standalone/dist/main.js
// on a fresh DATA_DIR, time the first SMTP banner and /readyz, read its CPU time and RSS there and after
// it has sat idle. Faster than `npm run bench -- --only=embedded` for an A/B of node/V8 flags or of the
// database behind the embedded process.
//   node bench/embedded-start.mjs [--reps=3] [--settle=10000] [--database=pglite|postgres] [--restart] [-- <node flags>]
// --database=postgres: the embedded process on a fresh database of BENCH_DATABASE_URL's server
//   (default postgres://postgres@127.0.0.1:5432/postgres) instead of PGlite, dropped afterwards.
// --restart: each repetition starts once on the fresh DATA_DIR (not counted) and is measured on the
//   restart, the second `npm start` of a user.
// Prints one JSON line per repetition and the medians; memory in MiB (VmRSS, VmHWM: the kernel's peak).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { embeddedEnv, loadAverage as load, untilReady } from './lib/embedded-env.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const sep = args.indexOf('--');
const ours = sep < 0 ? args : args.slice(0, sep);
const nodeFlags = sep < 0 ? [] : args.slice(sep + 1);
const arg = (name, fallback) => ours.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const reps = Number(arg('reps', '3'));
const settleMs = Number(arg('settle', '10000'));
const database = arg('database', 'pglite');
const restart = ours.includes('--restart');
// --breakdown: at idle, what the RSS is made of (smaps by kind of mapping, and V8's own figures)
const breakdown = ours.includes('--breakdown');
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const mib = (kib) => Math.round(kib / 1024);
function status(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k) => Number(s.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rss: mib(kib('VmRSS')), peak: mib(kib('VmHWM')) };
}
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime in clock ticks of 10 ms
}
/** the main thread's CPU alone (the JS thread: modules, PGlite's statements), without V8's compile threads */
function mainThreadCpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function withDatabase(fn) {
  if (database !== 'postgres') return fn(undefined);
  const { Client } = require('pg');
  const name = `bench_embedded_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** One start of the embedded process on dataDir: figures at the banner, at /readyz and after settling. */
async function start(dataDir, databaseUrl, settle) {
  const { ports, env } = await embeddedEnv({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    // glibc's malloc settings pass through, for an A/B of them (ADR 0070)
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_'))),
  });
  const started = performance.now();
  const reportFile = join(dataDir, '..', `mem-report-${process.pid}-${Date.now()}.json`);
  if (breakdown) env.MEM_REPORT_OUT = reportFile;
  const preload = breakdown ? ['--require', join(root, 'bench', 'lib', 'mem-report.cjs')] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...preload, join(root, 'apps', 'standalone', 'dist', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const { bannerMs } = await untilReady(child, ports, started, { what: 'standalone' });
    const figures = { bannerMs: Math.round(bannerMs), readyMs: Math.round(performance.now() - started), cpuMs: cpuMs(child.pid), mainCpuMs: mainThreadCpuMs(child.pid), peakAtReady: status(child.pid).peak };
    if (settle) {
      await new Promise((r) => setTimeout(r, settle));
      const idle = status(child.pid);
      Object.assign(figures, { peak: idle.peak, idleRss: idle.rss, idleCpuMs: cpuMs(child.pid) });
      if (breakdown) figures.breakdown = await memoryBreakdown(child.pid, reportFile);
    }
    return { ...figures, load: load() };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

/**
 * RSS by kind of mapping (MiB): the WASM memories (V8 reserves each as one mapping of ≥ 8 GiB), code
 * (executable mappings: the node binary, Liftoff/TurboFan output), other files, and the rest
 * anonymous (the V8 heap, malloc's arenas); with V8's own figures from the preload.
 */
async function memoryBreakdown(pid, reportFile) {
  process.kill(pid, 'SIGUSR2');
  let report;
  for (let i = 0; i < 100 && !report; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8'));
    } catch {
      /* not yet */
    }
  }
  const kinds = {};
  const maps = [];
  let cur;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \d+\s*(.*)$/);
    if (head) {
      cur = { perms: head[1], name: head[2] };
      maps.push(cur);
      continue;
    }
    const size = line.match(/^Size:\s+(\d+)/);
    if (size) cur.size = Number(size[1]);
    const rss = line.match(/^Rss:\s+(\d+)/);
    if (!rss) continue;
    const kind = cur.size >= 8 * 1024 * 1024 ? 'wasmMemory' : cur.perms.includes('x') ? (cur.name ? 'codeFile' : 'codeAnon') : cur.name && !cur.name.startsWith('[') ? 'file' : cur.name === '[heap]' ? 'mallocMain' : 'anon';
    cur.rss = Number(rss[1]);
    kinds[kind] = (kinds[kind] ?? 0) + cur.rss;
  }
  rmSync(reportFile, { force: true });
  const largest = maps
    .sort((a, b) => b.rss - a.rss)
    .slice(0, 8)
    .map((m) => `${mib(m.rss)}/${mib(m.size)} ${m.perms} ${m.name}`.trim());
  return { smaps: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, mib(v)])), largest, v8: report };
}

const rows = [];
for (let i = 0; i < reps; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mail-embedded-start-'));
  try {
    const row = await withDatabase(async (url) => {
      if (restart) await start(dataDir, url, 0);
      return start(dataDir, url, settleMs);
    });
    rows.push(row);
    console.log(JSON.stringify({ rep: i + 1, database, restart, flags: nodeFlags.join(' '), ...row }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
const median = (k) => {
  const v = rows.map((r) => r[k]).filter((x) => x !== undefined).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : undefined;
};
console.log(JSON.stringify({ median: true, database, restart, flags: nodeFlags.join(' '), ...Object.fromEntries(['bannerMs', 'readyMs', 'cpuMs', 'mainCpuMs', 'peakAtReady', 'peak', 'idleRss', 'idleCpuMs'].map((k) => [k, median(k)])), loads: rows.map((r) => r.load).join(' ') }));
