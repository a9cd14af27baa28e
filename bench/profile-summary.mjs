#!/usr/bin/env node
// Summarises the V8 CPU profiles that `npm run bench -- --profile=DIR` leaves under DIR: for each
// profile, where the samples fall by self time, grouped by package (or our library) and by function.
//   node bench/profile-summary.mjs DIR [--top=25]
// A `window.json` in DIR ({ fromUs, toUs, messages }, monotonic clock as process.hrtime, which V8's
// profile timestamps share: bench/ingest-cpu.mjs writes it) counts only the samples of that window,
// so that the start (module loading, compiles) and the warm-up stay out, and prints µs per message.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
if (!dir) {
  console.error('usage: node bench/profile-summary.mjs DIR [--top=N]');
  process.exit(2);
}

const windowFile = dir && statSync(dir).isDirectory() ? join(dir, 'window.json') : undefined;
const window = windowFile && existsSync(windowFile) ? JSON.parse(readFileSync(windowFile, 'utf8')) : undefined;

function profiles(d) {
  if (!statSync(d).isDirectory()) return [d];
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    if (statSync(p).isDirectory()) return profiles(p);
    return name.endsWith('.cpuprofile') ? [p] : [];
  });
}

/** Which package or library a script URL belongs to: "pg", "@mail/store", "node:internal", … */
function owner(url) {
  if (!url) return '(native/gc/idle)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const ours = /\/(libs|apps)\/([^/]+)\//.exec(url);
  return ours ? `@mail/${ours[2]}` : url;
}

function summarise(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  const dt = prof.timeDeltas ?? [];
  let at = prof.startTime;
  prof.samples.forEach((id, i) => {
    at += dt[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    hits.set(id, (hits.get(id) ?? 0) + (dt[i] ?? 0));
  });
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  const byOwner = new Map();
  const byFn = new Map();
  let idle = 0;
  for (const [id, us] of hits) {
    const { callFrame: f } = byId.get(id);
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const o = f.functionName === '(garbage collector)' ? '(gc)' : owner(f.url);
    byOwner.set(o, (byOwner.get(o) ?? 0) + us);
    const fn = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(node_modules|libs|apps)\//, '$1/')}:${f.lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  }
  const busy = total - idle;
  // which service this was: the feature library with the most functions in the profile
  const SHARED = new Set(['bus', 'contracts', 'telemetry', 'runtime', 'config', 'db', 'blob', 'mime', 'imap-protocol', 'pop3-protocol']);
  const libs = new Map();
  for (const n of prof.nodes) {
    const lib = /\/libs\/([^/]+)\//.exec(n.callFrame.url)?.[1];
    if (lib && !SHARED.has(lib)) libs.set(lib, (libs.get(lib) ?? 0) + 1);
  }
  const service = [...libs].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '?';
  const pct = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms` + (window?.messages ? ` ${(us / window.messages).toFixed(1).padStart(7)} µs/msg` : '');
  console.log(`\n### ${service} (${relative(process.cwd(), file)}): ${(busy / 1000).toFixed(0)} ms busy of ${(total / 1000).toFixed(0)} ms${window ? ` in the measured window (${window.messages} messages)` : ''}`);
  console.log('by package (self time):');
  for (const [o, us] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${ms(us)} ${pct(us)}  ${o}`);
  console.log('by function (self time):');
  for (const [fn, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(us)} ${pct(us)}  ${fn}`);
}

for (const f of profiles(dir)) summarise(f);
