// A preload for the embedded process: counts the SQL statements PGlite runs, by text, with the wall
// time spent inside PGlite's synchronous protocol calls (a Parse's Bind/Execute/Sync are added to
// its statement; a Bind of a named prepared statement, ADR 0076, is one run of the statement it names),
// the Parse messages (each one a parse and analysis in PostgreSQL; an unnamed one is planned too), the
// named statements' plans from pg_prepared_statements (custom = planned on that call, at each
// SIGUSR2, cumulative since start), and the WAL flusher's fdatasync calls (ADR 0062), with the event loop's delay
// histogram (monitorEventLoopDelay: what the p99 latency waits behind) and PGlite's calls over 20 ms.
// Written on SIGUSR2 and at exit, each time what was counted since the last: to
// $PGLITE_SQL_COUNT_OUT (default <tmpdir>/pglite-sql-count.json), then .1, .2 … (bench/embedded-ingest.mjs
// sends SIGUSR2 before and after its measured phase when this preload is in BENCH_EMBEDDED_NODE_FLAGS). Used by hand, e.g.
//   BENCH_EMBEDDED_NODE_FLAGS="--require $PWD/bench/pglite-sql-count.cjs" node bench/embedded-ingest.mjs --reps=1
// (PGlite is resolved from the checkout of the script run, apps/standalone/dist/main.js).
'use strict';
const { writeFileSync, promises } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { monitorEventLoopDelay } = require('node:perf_hooks');

// the checkout of the script being run (apps/standalone/dist/main.js), so an A/B counts each one's own PGlite
const checkout = process.argv[1] ? join(process.argv[1], '..', '..', '..', '..') : process.cwd();
const { PGlite } = require(require.resolve('@electric-sql/pglite', { paths: [join(checkout, 'libs', 'db'), checkout] }));
const out = process.env.PGLITE_SQL_COUNT_OUT || join(tmpdir(), 'pglite-sql-count.json');
const stats = new Map();
let statements = 0;
let ms = 0;
let datasyncs = 0;
let last = '?';
let parses = 0;
/** named prepared statements' texts by name (a Bind names only its statement) */
const named = new Map();
/** the PGlite instance (the process has one), to read pg_prepared_statements at a SIGUSR2 */
const instances = new Set();
let reading = false;
// what blocks the event loop longest (p99 latency): its delay histogram, and PGlite's longest calls
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const longest = [];

const cstring = (msg, at) => Buffer.from(msg.subarray(at, msg.indexOf(0, at))).toString();
const run = PGlite.prototype.execProtocolRawSync;
PGlite.prototype.execProtocolRawSync = function (msg) {
  instances.add(this);
  if (reading) return run.call(this, msg);
  const t0 = performance.now();
  try {
    return run.call(this, msg);
  } finally {
    const took = performance.now() - t0;
    // 'Q' simple query: the text at 5; 'P' parse: a statement name, then the text (an unnamed one
    // runs once, a named one is prepared and runs at each Bind); 'B' bind: a portal, then the statement's name
    let key = null;
    let runs = false;
    if (msg[0] === 0x51) {
      key = cstring(msg, 5);
      runs = true;
    } else if (msg[0] === 0x50) {
      parses++;
      const name = cstring(msg, 5);
      key = cstring(msg, msg.indexOf(0, 5) + 1);
      if (name) named.set(name, key);
      runs = !name;
    } else if (msg[0] === 0x42) {
      const name = cstring(msg, msg.indexOf(0, 5) + 1);
      if (name && named.has(name)) {
        key = named.get(name);
        runs = true;
      }
    }
    if (key !== null) last = key.replace(/\s+/g, ' ').trim().slice(0, 160);
    const e = stats.get(last) ?? { n: 0, ms: 0 };
    if (runs) {
      e.n++;
      statements++;
    }
    e.ms += took;
    if (took > 20) longest.push({ ms: Math.round(took), sql: last.slice(0, 80) });
    ms += took;
    stats.set(last, e);
  }
};

void promises.open(__filename).then((fh) => {
  const proto = Object.getPrototypeOf(fh);
  const datasync = proto.datasync;
  proto.datasync = function (...args) {
    datasyncs++;
    return datasync.apply(this, args);
  };
  return fh.close();
});

/** the named statements' plans so far (not counted as the phase's statements) */
async function plans() {
  const [instance] = instances;
  if (!instance) return undefined;
  reading = true;
  try {
    const { rows } = await instance.query('SELECT count(*)::int AS prepared, coalesce(sum(generic_plans), 0)::int AS generic, coalesce(sum(custom_plans), 0)::int AS custom FROM pg_prepared_statements');
    // the statements PostgreSQL still plans per call (a custom plan looked cheaper than the generic one)
    const custom = await instance.query('SELECT custom_plans::int AS custom, generic_plans::int AS generic, left(regexp_replace(statement, $1, $2, $3), 100) AS sql FROM pg_prepared_statements WHERE custom_plans > 5 ORDER BY custom_plans DESC LIMIT 10', ['\\s+', ' ', 'g']);
    return { ...rows[0], mostCustom: custom.rows };
  } catch {
    return undefined;
  } finally {
    reading = false;
  }
}

let dumps = 0;
/** writes what was counted since the last dump (to out, then out.1, out.2 …) and starts afresh */
function dump(preparedPlans) {
  const byTime = [...stats].sort((a, b) => b[1].ms - a[1].ms).map(([sql, e]) => ({ n: e.n, ms: Math.round(e.ms), sql }));
  const pct = (p) => +(loopDelay.percentile(p) / 1e6).toFixed(1);
  const eventLoopDelayMs = { p50: pct(50), p99: pct(99), max: +(loopDelay.max / 1e6).toFixed(1), mean: +(loopDelay.mean / 1e6).toFixed(1) };
  const slowest = longest.sort((a, b) => b.ms - a.ms).slice(0, 20);
  const file = dumps ? `${out}.${dumps}` : out;
  dumps++;
  writeFileSync(file, JSON.stringify({ statements, parses, preparedPlans, ms: Math.round(ms), datasyncs, eventLoopDelayMs, pgliteCallsOver20ms: longest.length, slowest, stats: byTime }, null, 1));
  stats.clear();
  statements = 0;
  parses = 0;
  ms = 0;
  datasyncs = 0;
  longest.length = 0;
  loopDelay.reset();
}
process.on('SIGUSR2', () => void plans().then(dump));
process.on('exit', () => dump(undefined));
