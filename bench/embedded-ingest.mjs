#!/usr/bin/env node
// The embedded process's CPU per ingested message, for an A/B of two checkouts (or of node flags) on a
// loaded machine, where msg/s says nothing: each repetition starts `apps/standalone/dist/main.js` of a
// checkout on a fresh DATA_DIR, provisions the bench's 16 ingest users, sends an unmeasured warm-up,
// then the measured SMTP load (the bench's message, 16 connections), and reads the process's CPU time
// (/proc, user + system) from the first send until every message is visible in IMAP, so delivery
// (which lags behind acceptance in one process) is counted. Checkouts alternate within each repetition.
//   node bench/embedded-ingest.mjs [--root=DIR[,DIR…]] [--reps=2] [--messages=2000] [--warmup=500]
//     [--connections=16] [--one-mailbox] [--append=N] [--profile=DIR] [--env='A|B']
// --root: checkouts with a build (default this one); --one-mailbox: every message to one account;
// --append=N: instead of SMTP, the bench's APPEND ×1,000 figure's load: one IMAP session with INBOX
// selected APPENDs N messages one at a time, each waiting for its OK (the mailbox first filled with
// --warmup messages by pipelined APPEND, unmeasured); CPU per APPEND;
// --profile=DIR: the process writes a V8 CPU profile under DIR/<n>-<checkout>/ (bench/profile-summary.mjs);
// --env='A|B': variants of the process's environment, alternated within each repetition as checkouts are
// (each `K=V,K=V` or empty), e.g. --env='|EMBEDDED_WASM_TIER_UP=1'.
// Besides the process's CPU, its main thread's (the event loop's) alone: what bounds the rate on a free machine.
import { basename, join, dirname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { embeddedTarget } from './targets/platform.mjs';
import { ingestPhase } from './lib/phases.mjs';
import { probe } from './lib/probe.mjs';
import { cpuOf, threadCpuOf, threadsCpuOf } from './lib/procmem.mjs';
import { ImapClient } from './lib/imap-client.mjs';
import { makeMessage } from './lib/message.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const checkouts = arg('root', here).split(',').map((r) => resolve(r));
const envs = arg('env', '').split('|').map((v) => Object.fromEntries(v.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
const variantName = (checkout, env) => [basename(checkout), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ');
const roots = checkouts.flatMap((checkout) => envs.map((env) => ({ checkout, env, name: variantName(checkout, env) })));
const reps = Number(arg('reps', '2'));
const opts = { messages: Number(arg('messages', '2000')), connections: Number(arg('connections', '16')), stallMs: 30_000 };
const warmup = Number(arg('warmup', '500'));
const profile = arg('profile', undefined);
const oneMailbox = args.includes('--one-mailbox');
const appends = Number(arg('append', '0'));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const log = (l) => console.error(l);
// bench/pglite-sql-count.cjs or pglite-thread-count.cjs preloaded: its counts of the measured phase are its second file
const counting = /pglite-(sql|thread)-count/.test(process.env.BENCH_EMBEDDED_NODE_FLAGS ?? '');
const countBase = (process.env.PGLITE_SQL_COUNT_OUT ?? join(tmpdir(), 'pglite-sql-count')).replace(/\.json$/, '');

const user = (local) => ({ address: `${local}@bench.test`, password: 'bench-Passw0rd-1' });
const users = oneMailbox || appends ? [user('one0')] : Array.from({ length: 16 }, (_, i) => user(`in${i}`));

const results = [];
for (let rep = 0; rep < reps; rep++) {
  for (const [i, { checkout, env, name }] of roots.entries()) {
    const profileDir = profile ? join(profile, `${rep}-${i}-${basename(checkout)}`) : undefined;
    // one count file per run: <PGLITE_SQL_COUNT_OUT or tmpdir/pglite-sql-count>-<rep>-<checkout>.json
    if (counting) process.env.PGLITE_SQL_COUNT_OUT = `${countBase}-${rep}-${i}-${basename(checkout)}.json`;
    const target = await embeddedTarget({ users, profileDir, checkout, env });
    try {
      await target.provision();
      target.can = await probe(target);
      const pid = target.processes()[0].pid;
      if (appends) {
        if (warmup) await target.fill({ user: users[0], count: warmup, from: 'sender@remote.example' });
        const c = await ImapClient.connect(target.ports.imap);
        await c.login(users[0].address, users[0].password);
        await c.command('SELECT INBOX');
        const raws = Array.from({ length: appends }, (_, i) => makeMessage({ index: 1_000_000 + i, from: 'sender@remote.example', to: users[0].address, runId: `append${rep}` }).raw);
        const load0 = load();
        const cpu0 = cpuOf([{ name: 'p', pid }]).p;
        let ms = 0;
        for (const raw of raws) ms += (await c.command(`APPEND INBOX {${raw.length}+}\r\n`, { raw })).ms;
        const cpu = (cpuOf([{ name: 'p', pid }]).p - cpu0) / appends;
        await c.logout();
        const r = { checkout: name, rep, cpuMsPerAppend: +cpu.toFixed(2), msPerAppend: +(ms / appends).toFixed(2), load: `${load0} → ${load()}` };
        results.push(r);
        console.log(JSON.stringify(r));
        continue;
      }
      if (warmup) await ingestPhase({ target, users, opts: { ...opts, messages: warmup }, rep: 'warm-up', into: {}, log });
      // the preload's counts (start and warm-up, then the measured phase alone) are written on SIGUSR2
      if (counting) process.kill(pid, 'SIGUSR2');
      const load0 = load();
      const cpu0 = cpuOf([{ name: 'p', pid }]).p;
      const main0 = threadCpuOf(pid, pid);
      const threads0 = threadsCpuOf(pid);
      const into = {};
      await ingestPhase({ target, users, opts, rep, into, log });
      const cpu = (cpuOf([{ name: 'p', pid }]).p - cpu0) / opts.messages;
      const mainCpu = (threadCpuOf(pid, pid) - main0) / opts.messages;
      // the busiest other thread (with ADR 0082, PGlite's), and all others together (V8's GC and compile threads, libuv's pool)
      const others = [...threadsCpuOf(pid)].filter(([tid]) => tid !== pid).map(([tid, ms]) => ms - (threads0.get(tid) ?? 0));
      const busiestOther = Math.max(0, ...others) / opts.messages;
      if (counting) process.kill(pid, 'SIGUSR2');
      const r = {
        checkout: name,
        rep,
        cpuMsPerMessageToVisible: +cpu.toFixed(2),
        mainThreadCpuMsPerMessage: +mainCpu.toFixed(2),
        busiestOtherThreadCpuMsPerMessage: +busiestOther.toFixed(2),
        cpuMsPerMessageDuringSmtp: +into['cpu.smtp.standalone'][0].toFixed(2),
        smtpPerSecond: +into['smtp.rate'][0].toFixed(0),
        p50: +into['smtp.p50'][0].toFixed(1),
        p99: +into['smtp.p99'][0].toFixed(1),
        // issue 17's "RSS after the bench's ingest" (MiB), and the process's peak so far
        ...(({ rss, peak }) => ({ rssAfterMiB: Math.round(rss / 1048576), peakMiB: Math.round(peak / 1048576) }))(target.resident() ?? {}),
        // the start's: peak RSS once settled after /readyz, and RSS then (issue 17's peak during start and idle)
        startPeakMiB: Math.round(target.startup.peak / 1048576),
        idleMiB: Math.round(target.startup.idleRss / 1048576),
        load: `${load0} → ${load()}`,
      };
      results.push(r);
      console.log(JSON.stringify(r));
    } finally {
      await target.close();
    }
  }
}
for (const { name: checkout } of roots) {
  const mine = results.filter((r) => r.checkout === checkout).map((r) => r.cpuMsPerAppend ?? r.cpuMsPerMessageToVisible);
  console.log(`${checkout}: CPU ms per ${appends ? 'APPEND' : 'message to visible'} ${mine.join(' / ')}`);
}
