#!/usr/bin/env node
// `npm run bench`: this platform and Postfix + Dovecot under the same load from the same client code,
// one side at a time on the same machine, printed side by side and written to bench/results/.
// Exit 0 when the harness worked (whatever the figures say); 1 when it did not (a side failed to start,
// messages were lost, a mailbox did not fill).
import { cpus, totalmem, release, platform as osPlatform } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './lib/options.mjs';
import { figureRows, buildTable, renderText, writeResults } from './lib/report.mjs';
import { ingestPhase, prepareMailbox, imapPhase, pop3Phase, memoryPhase } from './lib/phases.mjs';
import { probe } from './lib/probe.mjs';
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
};
const allUsers = [...users.ingest, ...Object.values(users.mailbox), users.pop3, ...users.idle];

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

async function runTarget(name, start, plan) {
  log(`\n== ${name} ==`);
  const into = (results[name] = {});
  let target;
  const t0 = performance.now();
  try {
    target = await start();
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
    await plan(target, into);
  } catch (err) {
    meta.failures.push(`${name}: ${err.message}`);
    console.error(`\n!! ${name} FAILED: ${err.stack ?? err}`);
    if (target?.logs) console.error(`--- last server output ---\n${target.logs().slice(-4000)}`);
  } finally {
    await target?.close().catch((e) => console.error(`closing ${name}: ${e.message}`));
    log(`  ${name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
}

async function fullPlan(target, into) {
  if (opts.idleConnections > 0) {
    for (let rep = 0; rep < opts.reps; rep++) await memoryPhase({ target, users: users.idle, connections: opts.idleConnections, into, log, notes: meta.notes });
  }
  for (let rep = 0; rep < opts.reps; rep++) await ingestPhase({ target, users: users.ingest, opts, rep, into, log });
  for (const size of target.can.imap ? opts.mailbox : []) {
    const { uids, fill } = await prepareMailbox({ target, user: users.mailbox[size], count: size, log });
    meta.fills[`${target.name}.${size}`] = { ms: Math.round(fill.ms), method: fill.method };
    await imapPhase({ target, user: users.mailbox[size], uids, size, reps: opts.reps, into, log });
  }
  if (opts.pop3 && target.can.pop3) {
    await prepareMailbox({ target, user: users.pop3, count: opts.pop3Messages, log });
    await pop3Phase({ target, user: users.pop3, count: opts.pop3Messages, reps: opts.reps, into, log });
  }
}

async function embeddedPlan(target, into) {
  for (let rep = 0; rep < opts.reps; rep++) await ingestPhase({ target, users: users.ingest, opts, rep, into, log });
  const size = opts.mailbox[0];
  if (!size || !target.can.imap) return;
  const { uids } = await prepareMailbox({ target, user: users.mailbox[size], count: size, log });
  await imapPhase({ target, user: users.mailbox[size], uids, size, reps: opts.reps, into, log, only: ['loginSelect', 'fetchEnvelopeAll', 'fetchBody1000'] });
}

const wants = (side) => !opts.only || opts.only === side;
if (wants('platform')) {
  const note = await postgresNote(opts.databaseUrl);
  if (note) {
    meta.notes.push(note);
    log(`  note: ${note}`);
  }
  await runTarget('platform', () => distributedTarget({ users: allUsers, databaseAdminUrl: opts.databaseUrl, natsUrl: opts.natsUrl, profileDir: opts.profile }), fullPlan);
  if (opts.embedded) await runTarget('embedded', () => embeddedTarget({ users: allUsers, profileDir: opts.profile }), embeddedPlan);
}
if (wants('anchor')) await runTarget('anchor', () => anchorTarget({ users: allUsers, maxConnections: Math.max(opts.idleConnections, 100) + 100, log }), fullPlan);

meta.notes.push(
  'Sides run one after the other, never at once; each is started fresh and stopped by the bench.',
  'Fill of the IMAP mailboxes: ' + Object.entries(meta.fills).map(([k, v]) => `${k}: ${v.method}, ${(v.ms / 1000).toFixed(1)} s`).join('; '),
  'Memory counts every process of the platform\'s services and its S3 server (not PostgreSQL or NATS) and every Dovecot process (not Postfix).',
);
const table = buildTable(figureRows(opts.mailbox, opts.pop3Messages), results);
console.log(`\n${renderText(table)}\n`);
const files = writeResults(opts.resultsDir ?? join(here, 'results'), meta, table, results);
console.log(`written: ${files.json}\n         ${files.md}`);
if (meta.failures.length) {
  console.error(`\nHARNESS FAILED:\n- ${meta.failures.join('\n- ')}`);
  process.exit(1);
}
process.exit(0);

/**
 * PostgreSQL settings that change our side's figures and that no production server would run with:
 * CI machines turn autovacuum off, so the queue tables are neither analysed nor vacuumed during a run
 * (measured: the delivered-mark and queue-read statements cost ~2× more per call by the third
 * repetition).
 */
async function postgresNote(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query('SHOW autovacuum');
    return rows[0]?.autovacuum === 'off' ? 'PostgreSQL runs with autovacuum off here: the queue tables are neither analysed nor vacuumed while the platform runs, which a production server would do.' : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
