// The measured phases, run the same way against any target ({ host, ports, fill, imapServerPids }).
// Each pushes one value per repetition into `into` (figure key → array).
import { smtpLoad, toDataPayload } from './smtp-load.mjs';
import { makeMessage } from './message.mjs';
import { startWatchers, collect, closeWatchers } from './e2e.mjs';
import { imapPass, mailboxUids } from './imap-load.mjs';
import { sessionMixPass } from './session-mix.mjs';
import { pop3Pass } from './pop3-load.mjs';
import { idleMemory } from './memory.mjs';
import { pop3Count } from './probe.mjs';
import { cpuOf, commOf, ioCallsOf, machineCpuMs, pidsByComm, treeCpuOf } from './procmem.mjs';

export const SENDER = 'sender@remote.example';

function push(into, key, value) {
  (into[key] ??= []).push(value);
}

export class HarnessError extends Error {}

/**
 * Unmeasured SMTP ingest before a side's repetitions, waited for until delivered: our services'
 * code is still being compiled by V8 during the first thousand messages (the first measured
 * repetition was always our slowest, by up to 25 %), and a warm pool, cache and JIT is the state a
 * running server is in. Postfix and Dovecot get the same (C, nothing to warm but caches). Waiting
 * for delivery keeps the warm-up's queue (the anchor's LMTP lags by seconds) out of the measured window.
 */
export async function warmupPhase({ target, users, opts, log }) {
  await ingestPhase({ target, users, opts: { ...opts, messages: opts.warmup }, rep: 'warm-up', into: {}, log });
}

/** SMTP ingest and end to end in the same run: IDLE watchers on every recipient stamp arrivals. */
export async function ingestPhase({ target, users, opts, rep, into, log, signed, key = 'smtp' }) {
  const runId = `${target.name}${rep}${Date.now().toString(36)}`;
  // signed: every message DKIM-signed by a sender domain that publishes SPF, DKIM and DMARC (mail-auth.mjs),
  // signed before the clock starts (the sender's cost, not ours); its figures go under `key`
  const from = signed?.from ?? SENDER;
  const messages = await Promise.all(
    Array.from({ length: opts.messages }, async (_, i) => {
      const to = users[i % users.length].address;
      const m = makeMessage({ index: i, from, to, runId });
      return { from, to, payload: toDataPayload(signed ? await signed.sign(m.raw) : m.raw), messageId: m.messageId };
    }),
  );
  const watchers = target.can.imap ? await startWatchers({ port: target.ports.imap, host: target.host, users }) : null;
  const before = watchers ? null : await countAll(target, users);
  const sentAt = new Map();
  const expected = new Map();
  const listedBefore = cpuProcesses(target);
  const cpu0 = cpuOf(listedBefore);
  const io0 = ioCallsOf(listedBefore);
  const machine0 = machineCpuMs();
  const t0 = performance.now();
  const smtp = await smtpLoad({
    port: target.ports.smtp,
    host: target.host,
    messages,
    connections: opts.connections,
    onAccepted: (m, start) => {
      sentAt.set(m.messageId, start);
      expected.set(m.to, (expected.get(m.to) ?? 0) + 1);
    },
  });
  // listed again: PostgreSQL backends and Postfix workers may have started during the run
  const listedAfter = cpuProcesses(target);
  const cpu1 = cpuOf(listedAfter);
  const io1 = ioCallsOf(listedAfter);
  const accepted = Math.max(1, smtp.accepted);
  const machinePerMessage = (machineCpuMs() - machine0) / accepted;
  const perMessage = (after, before) => Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] - (before[k] ?? 0)) / accepted]));
  const cpuPerMessage = perMessage(cpu1, cpu0);
  const ioCallsPerMessage = perMessage(io1, io0);
  let e2e;
  if (watchers) {
    e2e = await collect(watchers, expected, sentAt, { stallMs: opts.stallMs });
    await closeWatchers(watchers);
  } else {
    e2e = await waitByPop3(target, users, before, expected, opts.stallMs);
  }
  const e2eRate = e2e.lastVisibleAt ? (e2e.delivered / (e2e.lastVisibleAt - t0)) * 1000 : NaN;
  log(`  ${target.name} ${typeof rep === 'number' ? `rep ${rep + 1}` : rep}: SMTP ${smtp.perSecond.toFixed(0)} msg/s (p50 ${smtp.p50.toFixed(1)} ms, p99 ${smtp.p99.toFixed(1)} ms), ` +
    (watchers ? `end to end ${e2eRate.toFixed(0)} msg/s (p50 ${e2e.p50.toFixed(0)} ms, p99 ${e2e.p99.toFixed(0)} ms), ` : 'end to end not measured (no IMAP; delivery checked by POP3 STAT), ') +
    `${e2e.delivered}/${smtp.accepted} delivered`);
  log(`    CPU ms per accepted message during SMTP (delivery may lag behind): ${Object.entries(cpuPerMessage).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  const listed = Object.values(cpuPerMessage).reduce((a, b) => a + b, 0);
  log(`    machine CPU ms per accepted message: ${machinePerMessage.toFixed(2)} (the processes above: ${listed.toFixed(2)}; the rest is the kernel's own threads and whatever else ran)`);
  push(into, `cpu.${key}.machine`, machinePerMessage);
  log(`    read/write system calls per accepted message: ${Object.entries(ioCallsPerMessage).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  for (const [k, v] of Object.entries(cpuPerMessage)) push(into, `cpu.${key}.${k}`, v);
  for (const [k, v] of Object.entries(ioCallsPerMessage)) push(into, `io.${key}.${k}`, v);
  if (smtp.failed) throw new HarnessError(`${target.name}: ${smtp.failed} of ${messages.length} messages not accepted: ${smtp.errors.slice(0, 3).join('; ')}`);
  if (e2e.missing) throw new HarnessError(`${target.name}: MESSAGES LOST: ${e2e.missing} of ${e2e.expected} accepted messages never reached the mailboxes`);
  push(into, `${key}.rate`, smtp.perSecond);
  push(into, `${key}.p50`, smtp.p50);
  push(into, `${key}.p99`, smtp.p99);
  if (watchers && key !== 'smtpauth') {
    const e2eKey = key === 'smtp' ? 'e2e' : `${key}.e2e`;
    push(into, `${e2eKey}.rate`, e2eRate);
    push(into, `${e2eKey}.p50`, e2e.p50);
    push(into, `${e2eKey}.p99`, e2e.p99);
  }
}

/** Processes whose CPU an ingest run costs: the side's servers (with our S3 server), and this process (the client). */
export function cpuProcesses(target) {
  const own = { name: 'bench client', pid: process.pid };
  const servers = target.processes ? target.processes() : target.serverPids().map((pid) => ({ name: commOf(pid), pid }));
  // the infrastructure a side needs counts too (PostgreSQL and NATS for ours), or a cost moved
  // into the database would look like a saving
  const infra = (target.infraProcesses ?? []).flatMap((comm) => pidsByComm(comm).map((pid) => ({ name: comm, pid })));
  return [own, ...servers, ...infra];
}

async function countAll(target, users) {
  const out = new Map();
  for (const u of users) out.set(u.address, await pop3Count({ port: target.ports.pop3, host: target.host, user: u.address, password: u.password }));
  return out;
}

/** Without IMAP: polls POP3 STAT until every maildrop grew by what was accepted for it (loss check only). */
async function waitByPop3(target, users, before, expected, stallMs) {
  const want = [...expected.values()].reduce((a, b) => a + b, 0);
  let delivered = 0;
  let last = -1;
  let lastProgress = performance.now();
  for (;;) {
    const now = await countAll(target, users);
    delivered = users.reduce((a, u) => a + Math.min(expected.get(u.address) ?? 0, now.get(u.address) - before.get(u.address)), 0);
    if (delivered >= want) break;
    if (delivered !== last) {
      last = delivered;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > stallMs) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { delivered, expected: want, missing: want - delivered, lastVisibleAt: 0 };
}

/** Fills a mailbox to exactly `count` messages and checks the server sees them all. */
export async function prepareMailbox({ target, user, count, log }) {
  if (!target.can.imap) return prepareBySmtp({ target, user, count, log });
  const filled = await target.fill({ user, count, startIndex: 0, from: SENDER });
  log(`  ${target.name}: filled ${user.address} with ${count} messages in ${(filled.ms / 1000).toFixed(1)} s (${filled.method})`);
  let uids = [];
  // Maildir syncs notice new files by directory mtime, which has one-second granularity
  for (let i = 0; i < 5; i++) {
    uids = await mailboxUids({ port: target.ports.imap, host: target.host, user: user.address, password: user.password });
    if (uids.length === count) break;
    await new Promise((r) => setTimeout(r, 1100));
  }
  if (uids.length !== count) throw new HarnessError(`${target.name}: mailbox ${user.address} has ${uids.length} messages, expected ${count}`);
  return { uids, fill: filled };
}

/** The fallback fill for a side without IMAP: SMTP over 8 connections, counted by POP3 STAT. */
async function prepareBySmtp({ target, user, count, log }) {
  const t0 = performance.now();
  const messages = Array.from({ length: count }, (_, i) => {
    const m = makeMessage({ index: i, from: SENDER, to: user.address, runId: 'fill' });
    return { from: SENDER, to: user.address, payload: toDataPayload(m.raw), messageId: m.messageId };
  });
  const r = await smtpLoad({ port: target.ports.smtp, host: target.host, messages, connections: 8 });
  if (r.failed) throw new HarnessError(`${target.name}: fill of ${user.address}: ${r.failed} messages refused: ${r.errors[0]}`);
  const got = await waitByPop3(target, [user], new Map([[user.address, 0]]), new Map([[user.address, count]]), 30_000);
  if (got.missing) throw new HarnessError(`${target.name}: MESSAGES LOST filling ${user.address}: ${got.missing} of ${count} never arrived`);
  const fill = { ms: performance.now() - t0, method: 'SMTP, 8 connections (no IMAP on this side yet)' };
  log(`  ${target.name}: filled ${user.address} with ${count} messages in ${(fill.ms / 1000).toFixed(1)} s (${fill.method})`);
  return { uids: [], fill };
}

export async function imapPhase({ target, user, uids, size, reps, into, log, only }) {
  if (!target.can.imap) return;
  const args = { port: target.ports.imap, host: target.host, user: user.address, password: user.password, uids, from: SENDER };
  // warm-up, unmeasured: Dovecot builds its index and cache here; our side warms its pools and caches
  await imapPass({ ...args, rep: reps });
  for (let rep = 0; rep < reps; rep++) {
    const r = await imapPass({ ...args, rep });
    const expectHits = uids.filter((_, i) => i % 100 === 7).length;
    if (r.searchSubjectHits !== expectHits || r.searchBodyHits !== expectHits) {
      log(`  ${target.name}: WARNING search hits subject ${r.searchSubjectHits}, body ${r.searchBodyHits}, expected ${expectHits}`);
    }
    if (r.fetchEnvelopeCount !== uids.length) log(`  ${target.name}: WARNING UID FETCH 1:* returned ${r.fetchEnvelopeCount} of ${uids.length}`);
    for (const k of only ?? ['loginSelect', 'fetchEnvelopeAll', 'fetchBody1000', 'searchSubject', 'searchBody', 'store1000', 'append1000']) push(into, `imap${size}.${k}`, r[k]);
    log(`  ${target.name} IMAP ${size} rep ${rep + 1}: ${Object.entries(r).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
  }
}

export async function pop3Phase({ target, user, count = 1000, reps, into, log }) {
  const args = { port: target.ports.pop3, host: target.host, user: user.address, password: user.password, max: count };
  await pop3Pass(args);
  for (let rep = 0; rep < reps; rep++) {
    const r = await pop3Pass(args);
    if (r.retrieved !== count) throw new HarnessError(`${target.name}: POP3 retrieved ${r.retrieved} of ${count}`);
    push(into, 'pop3.listRetr', r.listRetr);
    log(`  ${target.name} POP3 rep ${rep + 1}: LIST+RETR×${count} ${Math.round(r.listRetr)} ms`);
  }
}

export async function memoryPhase({ target, users, connections, into, log, notes }) {
  if (!target.can.imap) return;
  const r = await idleMemory({ port: target.ports.imap, host: target.host, users, connections, pids: target.imapServerPids });
  if (r.note) notes.push(`${target.name}: ${r.note}`);
  push(into, 'mem.pssPerConnection', r.pssPerConnection);
  log(`  ${target.name}: ${r.connections} idle IMAP connections: PSS ${(r.before.pss / 2 ** 20).toFixed(1)} → ${(r.after.pss / 2 ** 20).toFixed(1)} MiB ` +
    `(${r.before.processes} → ${r.after.processes} processes) = ${(r.pssPerConnection / 1024).toFixed(1)} KiB/connection (RSS ${(r.rssPerConnection / 1024).toFixed(1)} KiB)`);
  return r;
}

/**
 * The session mix (issue 14): 10 clients on one small mailbox, with a LOGIN per session and with
 * sessions that stay logged in; commands per second and the mean latency of each command.
 */
export async function sessionMixPhase({ target, user, reps, into, log, seconds = 10 }) {
  if (!target.can.imap) return;
  const args = { port: target.ports.imap, host: target.host, user: user.address, password: user.password, from: SENDER, seconds };
  await sessionMixPass({ ...args, seconds: 2 }); // warm-up, unmeasured
  for (let rep = 0; rep < reps; rep++) {
    for (const relogin of [true, false]) {
      const cpu0 = sideCpuMs(target);
      const r = await sessionMixPass({ ...args, relogin });
      const cpuPerCommand = (sideCpuMs(target) - cpu0) / r.commands;
      const key = relogin ? 'mix.sessions' : 'mix.loggedIn';
      push(into, `${key}.commandsPerSec`, r.commandsPerSec);
      push(into, `${key}.cpuPerCommand`, cpuPerCommand);
      for (const [name, ms] of Object.entries(r.mean)) push(into, `${key}.${name}`, ms);
      log(`  ${target.name} session mix (${relogin ? 'LOGIN per session' : 'logged in'}) rep ${rep + 1}: ${Math.round(r.commandsPerSec)} commands/s, ` +
        `${cpuPerCommand.toFixed(2)} CPU ms per command (server side, all processes), ` +
        Object.entries(r.mean).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', '));
    }
  }
}

/**
 * CPU ms so far of everything a side serves IMAP with, the bench client left out: for the anchor
 * Dovecot's whole process tree with the sessions' exited imap and imap-login processes (their time
 * is the master's cutime); for ours every service, the S3 server, PostgreSQL and NATS. On a machine
 * other work loads, CPU per command is the figure to compare, not commands per second
 * (bench/session-cpu.mjs splits it per command and process).
 */
function sideCpuMs(target) {
  if (target.name === 'anchor') {
    const [master] = target.imapServerPids();
    return master ? Object.values(treeCpuOf([{ name: 'dovecot', pid: master }])).reduce((a, b) => a + b, 0) : NaN;
  }
  const named = cpuProcesses(target).filter((p) => p.name !== 'bench client');
  return Object.values(cpuOf(named)).reduce((a, b) => a + b, 0);
}
