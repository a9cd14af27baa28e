#!/usr/bin/env node
// `npm run bench`: this platform and Postfix + Dovecot under the same load from the same client code,
// one side under load at a time on the same machine (ingest repetitions alternate between the sides),
// printed side by side and written to bench/results/.
// Exit 0 when the harness worked (whatever the figures say); 1 when it did not (a side failed to start,
// messages were lost, a mailbox did not fill).
import { execFile } from 'node:child_process';
import { cpus, totalmem, release, platform as osPlatform } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './lib/options.mjs';
import { figureRows, buildTable, renderText, writeResults } from './lib/report.mjs';
import { ingestPhase, warmupPhase, prepareMailbox, imapPhase, pop3Phase, memoryPhase, sessionMixPhase } from './lib/phases.mjs';
import { probe } from './lib/probe.mjs';
import { fillTrace, tracePhase } from './lib/trace-search.mjs';
import { signedSender } from './lib/mail-auth.mjs';
import { migrationPhase } from './lib/migration.mjs';
import { anchorTarget } from './targets/anchor.mjs';
import { distributedTarget, embeddedTarget } from './targets/platform.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const log = (...a) => console.log(...a);

const opts = parseOptions(process.argv.slice(2));
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

const PASSWORD = 'bench-Passw0rd-1';
const user = (local) => ({ address: `${local}@bench.test`, password: PASSWORD });
const users = {
  ingest: Array.from({ length: opts.recipients }, (_, i) => user(`in${i}`)),
  mailbox: Object.fromEntries(opts.mailbox.map((m) => [m, user(`mbox${m}`)])),
  pop3: user('pop0'),
  idle: Array.from({ length: 20 }, (_, i) => user(`idle${i}`)),
  migrated: user('mig0'),
  // every message of the one-mailbox ingest goes to this account's INBOX (a shared or support address)
  oneMailbox: user('one0'),
  // the session mix's small mailbox, shared by its 10 clients
  mix: user('mix0'),
};
const allUsers = [...users.ingest, ...Object.values(users.mailbox), users.pop3, ...users.idle, users.migrated, users.oneMailbox, users.mix];

const meta = {
  startedAt: new Date().toISOString(),
  options: opts,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), os: `${osPlatform()} ${release()}` },
  versions: { node: process.versions.node },
  notes: [],
  fills: {},
  failures: [],
};
const results = {};

/** Starts a side and provisions it; null (and a recorded failure) when it cannot serve SMTP. */
async function openTarget(name, start) {
  log(`\n== ${name} ==`);
  const side = { name, into: (results[name] = {}), target: null, t0: performance.now() };
  try {
    side.target = await start();
    const target = side.target;
    Object.assign(meta.versions, target.versions);
    target.can = await probe(target);
    const down = Object.entries(target.can).filter(([, up]) => !up).map(([k]) => k.toUpperCase());
    if (down.length) {
      meta.notes.push(`${name}: ${down.join(', ')} not answering: its figures for ${down.join(', ')} are missing`);
      log(`  ${name}: ${down.join(', ')} not answering; measuring what it can serve`);
    }
    if (!target.can.smtp) throw new Error('SMTP not answering');
    if (target.provision) {
      await target.provision();
      log(`  provisioned ${allUsers.length} accounts through the admin API`);
    }
    return side;
  } catch (err) {
    failed(side, err);
    await closeTarget(side);
    return null;
  }
}

function failed(side, err) {
  meta.failures.push(`${side.name}: ${err.message}`);
  console.error(`\n!! ${side.name} FAILED: ${err.stack ?? err}`);
  if (side.target?.logs) console.error(`--- last server output ---\n${side.target.logs().slice(-4000)}`);
}

async function closeTarget(side) {
  await side.target?.close().catch((e) => console.error(`closing ${side.name}: ${e.message}`));
  log(`  ${side.name} done in ${((performance.now() - side.t0) / 1000).toFixed(0)} s`);
}

/** Runs `plan` on a side; a failure is recorded and the side is closed either way. */
async function runPlan(side, plan) {
  try {
    await plan(side.target, side.into);
  } catch (err) {
    failed(side, err);
  } finally {
    await closeTarget(side);
  }
}

async function runTarget(name, start, plan) {
  const side = await openTarget(name, start);
  if (side) await runPlan(side, plan);
}

const ingestReps = async (target, into) => {
  if (opts.warmup) {
    await warmupPhase({ target, users: users.ingest, opts, log });
    await settleWrites();
  }
  for (let rep = 0; rep < opts.reps; rep++) await ingestPhase({ target, users: users.ingest, opts, rep, into, log });
  for (let rep = 0; rep < (opts.oneMailbox ? opts.reps : 0); rep++) await oneMailboxIngest(target, into, rep);
  await verifiedIngestReps(target, into);
};

/** The same SMTP load, every message to one account (ADR 0043): what a shared or support mailbox gets. */
const oneMailboxIngest = async (target, into, rep) => {
  log(`  -- ${target.name} one-mailbox ingest rep ${rep + 1}`);
  await ingestPhase({ target, users: [users.oneMailbox], opts: { ...opts, messages: opts.oneMailbox }, rep: `one mailbox ${rep + 1}`, into, log, key: 'smtpone' });
};

/** SMTP ingest of DKIM-signed mail whose SPF, DKIM and DMARC all verify (only a side with a DNS server the bench controls). */
const verifiedIngestReps = async (target, into) => {
  const signed = signedSender(target);
  if (!signed) return;
  for (let rep = 0; rep < opts.reps; rep++) {
    log(`  -- ${target.name} verified ingest rep ${rep + 1}`);
    await ingestPhase({ target, users: users.ingest, opts, rep: `verified ${rep + 1}`, into, log, signed, key: 'smtpauth' });
  }
};

const memoryReps = async (target, into) => {
  for (let rep = 0; rep < opts.reps; rep++) await memoryPhase({ target, users: users.idle, connections: opts.idleConnections, into, log, notes: meta.notes });
};

async function fullPlan(target, into, { ingest = true, memory = true } = {}) {
  if (memory && opts.idleConnections > 0) await memoryReps(target, into);
  if (ingest) await ingestReps(target, into);
  for (const size of target.can.imap ? opts.mailbox : []) {
    const { uids, fill } = await prepareMailbox({ target, user: users.mailbox[size], count: size, log });
    meta.fills[`${target.name}.${size}`] = { ms: Math.round(fill.ms), method: fill.method };
    await imapPhase({ target, user: users.mailbox[size], uids, size, reps: opts.reps, into, log });
  }
  if (target.can.imap && opts.sessionMix > 0) {
    await prepareMailbox({ target, user: users.mix, count: opts.sessionMix, log });
    await sessionMixPhase({ target, user: users.mix, reps: opts.reps, into, log });
  }
  await migrationLine(target, into);
  if (opts.pop3 && target.can.pop3) {
    await prepareMailbox({ target, user: users.pop3, count: opts.pop3Messages, log });
    await pop3Phase({ target, user: users.pop3, count: opts.pop3Messages, reps: opts.reps, into, log });
  }
  // message trace exists on our side only (the anchor has no such store); filled with SQL, searched over HTTP
  if (opts.traceMessages && target.databaseUrl) {
    const fill = await fillTrace({ databaseUrl: target.databaseUrl, count: opts.traceMessages, log });
    meta.fills[`${target.name}.trace`] = { ms: Math.round(fill.ms), method: 'SQL generate_series, indexes rebuilt' };
    await tracePhase({ target, count: opts.traceMessages, reps: opts.reps, into, log });
  }
}

/**
 * Both sides up, their SMTP ingest repetitions alternating (ours, the anchor's, ours, …), then the
 * rest of each side's plan one side after the other. This machine's speed drifts by up to ~1.6×
 * within minutes; alternating puts both sides of the ingest ratio in the same stretch of time.
 */
async function interleavedRun(startPlatform, startAnchor) {
  const sides = [await openTarget('platform', startPlatform), await openTarget('anchor', startAnchor)].filter(Boolean);
  const ingestFailed = new Set();
  // The memory figure first, as in a side-after-side run: after an ingest our services' heaps are
  // hundreds of MiB that V8 shrinks whenever it likes, which drowns 2,000 connections' worth
  // (a full run read −176 KiB per connection that way).
  for (const side of opts.idleConnections > 0 ? sides : []) {
    try {
      await memoryReps(side.target, side.into);
    } catch (err) {
      failed(side, err);
    }
  }
  for (const side of opts.warmup ? sides : []) {
    try {
      await warmupPhase({ target: side.target, users: users.ingest, opts, log });
    } catch (err) {
      ingestFailed.add(side);
      failed(side, err);
    }
    await settleWrites();
  }
  for (let rep = 0; rep < opts.reps; rep++) {
    for (const side of sides) {
      if (ingestFailed.has(side)) continue;
      log(`  -- ${side.name} ingest rep ${rep + 1}`);
      try {
        await ingestPhase({ target: side.target, users: users.ingest, opts, rep, into: side.into, log });
      } catch (err) {
        ingestFailed.add(side);
        failed(side, err);
      }
      await settleWrites();
    }
  }
  for (let rep = 0; rep < (opts.oneMailbox ? opts.reps : 0); rep++) {
    for (const side of sides.filter((s) => !ingestFailed.has(s))) {
      try {
        await oneMailboxIngest(side.target, side.into, rep);
      } catch (err) {
        ingestFailed.add(side);
        failed(side, err);
      }
      await settleWrites();
    }
  }
  const [platform, anchor] = [sides.find((s) => s.name === 'platform'), sides.find((s) => s.name === 'anchor')];
  if (platform && !ingestFailed.has(platform)) {
    try {
      await verifiedIngestReps(platform.target, platform.into);
    } catch (err) {
      failed(platform, err);
    }
  }
  if (anchor) log('\n== anchor: waits while the platform finishes ==');
  if (platform) await runPlan(platform, (t, into) => fullPlan(t, into, { ingest: false, memory: false }));
  if (opts.embedded) await runTarget('embedded', () => embeddedTarget({ users: allUsers, profileDir: opts.profile }), embeddedPlan);
  if (anchor) await runPlan(anchor, (t, into) => fullPlan(t, into, { ingest: false, memory: false }));
}

async function embeddedPlan(target, into) {
  embeddedStartFigures(target, into);
  await ingestReps(target, into);
  const after = target.resident();
  if (after) (into['mem.afterIngest'] ??= []).push(after.rss);
  log(`  embedded: RSS after the ingest ${mib(after?.rss)} MiB (peak so far ${mib(after?.peak)} MiB)`);
  const size = opts.mailbox[0];
  if (!size || !target.can.imap) return;
  const { uids } = await prepareMailbox({ target, user: users.mailbox[size], count: size, log });
  await imapPhase({ target, user: users.mailbox[size], uids, size, reps: opts.reps, into, log, only: ['loginSelect', 'fetchEnvelopeAll', 'fetchBody1000'] });
  await migrationLine(target, into);
}

/** The first mailbox (filled for the IMAP figures) copied into another account by a migration batch: once per run. */
async function migrationLine(target, into) {
  const size = opts.mailbox[0];
  if (!opts.migration || !target.canMigrate || !target.can.imap || !size) return;
  await migrationPhase({ target, source: users.mailbox[size], dest: users.migrated, count: size, into, log });
}

/** The start of the embedded process: figures of one start, so one value per run. */
function embeddedStartFigures(target, into) {
  const s = target.startup;
  into['mem.idle'] = [s.idleRss];
  into['mem.startPeak'] = [s.peak];
  into['start.cpu'] = [s.cpuMs];
  into['start.ready'] = [s.readyMs];
  log(`  embedded: ready in ${Math.round(s.readyMs)} ms (${Math.round(s.cpuMs)} ms CPU), peak RSS ${mib(s.peakAtReady)} MiB at /readyz and ${mib(s.peak)} MiB 10 s later, idle RSS ${mib(s.idleRss)} MiB`);
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);

const wants = (side) => !opts.only || opts.only === side;
const startPlatform = () => distributedTarget({ users: allUsers, databaseAdminUrl: opts.databaseUrl, natsUrl: opts.natsUrl, profileDir: opts.profile });
const startAnchor = () => anchorTarget({ users: allUsers, maxConnections: Math.max(opts.idleConnections, 100) + 100, log });
if (opts.only === 'embedded') await runTarget('embedded', () => embeddedTarget({ users: allUsers, profileDir: opts.profile }), embeddedPlan);
if (wants('platform')) {
  const note = await postgresNote(opts.databaseUrl);
  if (note) {
    meta.notes.push(note);
    log(`  note: ${note}`);
  }
}
const interleaved = opts.interleave && wants('platform') && wants('anchor');
if (interleaved) await interleavedRun(startPlatform, startAnchor);
else {
  if (wants('platform')) {
    await runTarget('platform', startPlatform, fullPlan);
    if (opts.embedded) await runTarget('embedded', () => embeddedTarget({ users: allUsers, profileDir: opts.profile }), embeddedPlan);
  }
  if (wants('anchor')) await runTarget('anchor', startAnchor, fullPlan);
}

meta.notes.push(
  interleaved
    ? 'Both sides were up during the SMTP ingest repetitions, which alternated between them (one side under load at a time); every other figure ran one side after the other. Each side is started fresh and stopped by the bench.'
    : 'Sides run one after the other, never at once; each is started fresh and stopped by the bench.',
  'Fill of the IMAP mailboxes: ' + Object.entries(meta.fills).map(([k, v]) => `${k}: ${v.method}, ${(v.ms / 1000).toFixed(1)} s`).join('; '),
  'Memory counts every process of the platform\'s services and its S3 server (not PostgreSQL or NATS) and every Dovecot process (not Postfix).',
);
const table = buildTable(figureRows(opts.mailbox, opts.pop3Messages, opts.traceMessages), results);
console.log(`\n${renderText(table)}\n`);
const files = writeResults(opts.resultsDir ?? join(here, 'results'), meta, table, results);
console.log(`written: ${files.json}\n         ${files.md}`);
if (meta.failures.length) {
  console.error(`\nHARNESS FAILED:\n- ${meta.failures.join('\n- ')}`);
  process.exit(1);
}
process.exit(0);

/**
 * What a side wrote but the kernel or PostgreSQL would write back later (a checkpoint of our WAL,
 * dirty pages of Postfix's queue and Dovecot's maildirs) is written now, between repetitions, so
 * that it does not land in the next side's measured window.
 */
async function settleWrites() {
  // not a superuser, or no PostgreSQL: the sync below still flushes the files
  await queryPostgres(opts.databaseUrl, 'CHECKPOINT');
  await new Promise((resolve) => execFile('sync', () => resolve()));
}

/** One statement on the bench's PostgreSQL; its rows, or null when it could not run. */
async function queryPostgres(url, sql) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * PostgreSQL settings that change our side's figures and that no production server would run with:
 * CI machines turn autovacuum off, so the queue tables are neither analysed nor vacuumed during a run
 * (measured: the delivered-mark and queue-read statements cost ~2× more per call by the third
 * repetition).
 */
async function postgresNote(url) {
  const rows = await queryPostgres(url, 'SHOW autovacuum');
  return rows?.[0]?.autovacuum === 'off' ? 'PostgreSQL runs with autovacuum off here: the queue tables are neither analysed nor vacuumed while the platform runs, which a production server would do.' : null;
}
