// A preload for the embedded process: counts the SQL statements PGlite runs, by text, with the wall
// time spent inside PGlite's synchronous protocol calls (a Parse's Bind/Execute/Sync are added to
// its statement), and the WAL flusher's fdatasync calls (ADR 0062). Written at exit and on SIGUSR2
// to $PGLITE_SQL_COUNT_OUT (default <tmpdir>/pglite-sql-count.json). Used by hand, e.g.
//   BENCH_EMBEDDED_NODE_FLAGS="--require $PWD/bench/pglite-sql-count.cjs" node bench/embedded-ingest.mjs --reps=1
// (run from the repository's root: PGlite is resolved from libs/db).
'use strict';
const { writeFileSync, promises } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const { PGlite } = require(require.resolve('@electric-sql/pglite', { paths: [join(process.cwd(), 'libs', 'db'), process.cwd()] }));
const out = process.env.PGLITE_SQL_COUNT_OUT || join(tmpdir(), 'pglite-sql-count.json');
const stats = new Map();
let statements = 0;
let ms = 0;
let datasyncs = 0;
let last = '?';

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

function dump() {
  const byTime = [...stats].sort((a, b) => b[1].ms - a[1].ms).map(([sql, e]) => ({ n: e.n, ms: Math.round(e.ms), sql }));
  writeFileSync(out, JSON.stringify({ statements, ms: Math.round(ms), datasyncs, stats: byTime }, null, 1));
}
process.on('SIGUSR2', dump);
process.on('exit', dump);
