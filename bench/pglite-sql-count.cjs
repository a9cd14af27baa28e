// A preload for the embedded process: counts the SQL statements PGlite runs, by text, with the wall
// time spent inside PGlite's synchronous protocol calls (a Parse's Bind/Execute/Sync are added to
// its statement), and the WAL flusher's fdatasync calls (ADR 0062), with the event loop's delay
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
// what blocks the event loop longest (p99 latency): its delay histogram, and PGlite's longest calls
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const longest = [];

const cstring = (msg, at) => Buffer.from(msg.subarray(at, msg.indexOf(0, at))).toString();
const run = PGlite.prototype.execProtocolRawSync;
PGlite.prototype.execProtocolRawSync = function (msg) {
  const t0 = performance.now();
  try {
    return run.call(this, msg);
  } finally {
    const took = performance.now() - t0;
    // 'Q' simple query: the text at 5; 'P' parse: a statement name, then the text
    let key = null;
    if (msg[0] === 0x51) key = cstring(msg, 5);
    else if (msg[0] === 0x50) key = cstring(msg, msg.indexOf(0, 5) + 1);
    if (key !== null) last = key.replace(/\s+/g, ' ').trim().slice(0, 160);
    const e = stats.get(last) ?? { n: 0, ms: 0 };
    if (key !== null) {
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

let dumps = 0;
/** writes what was counted since the last dump (to out, then out.1, out.2 …) and starts afresh */
function dump() {
  const byTime = [...stats].sort((a, b) => b[1].ms - a[1].ms).map(([sql, e]) => ({ n: e.n, ms: Math.round(e.ms), sql }));
  const pct = (p) => +(loopDelay.percentile(p) / 1e6).toFixed(1);
  const eventLoopDelayMs = { p50: pct(50), p99: pct(99), max: +(loopDelay.max / 1e6).toFixed(1), mean: +(loopDelay.mean / 1e6).toFixed(1) };
  const slowest = longest.sort((a, b) => b.ms - a.ms).slice(0, 20);
  const file = dumps ? `${out}.${dumps}` : out;
  dumps++;
  writeFileSync(file, JSON.stringify({ statements, ms: Math.round(ms), datasyncs, eventLoopDelayMs, pgliteCallsOver20ms: longest.length, slowest, stats: byTime }, null, 1));
  stats.clear();
  statements = 0;
  ms = 0;
  datasyncs = 0;
  longest.length = 0;
  loopDelay.reset();
}
process.on('SIGUSR2', dump);
process.on('exit', dump);
