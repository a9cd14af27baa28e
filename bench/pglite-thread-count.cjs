// A preload for the embedded process with PGlite on its own thread (ADR 0082): counts what crosses
// the worker's port, each way (requests to the thread, replies from it), in messages and in the bytes of
// their structured clone (v8.serialize, the clone's own format), and the main thread's time spent
// serialising them (measured here by cloning each message once more: an estimate of the port's copy
// cost on the main thread). Written on SIGUSR2 (what was counted since the last) to
// $PGLITE_THREAD_COUNT_OUT (default <tmpdir>/pglite-thread-count.json), then .1, .2 …; e.g.
//   BENCH_EMBEDDED_NODE_FLAGS="--require $PWD/bench/pglite-thread-count.cjs" node bench/embedded-ingest.mjs --reps=1 --env=EMBEDDED_PGLITE_THREAD=1
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const v8 = require('node:v8');
const { Worker, isMainThread } = require('node:worker_threads');

if (isMainThread) {
  const out = process.env.PGLITE_THREAD_COUNT_OUT || join(tmpdir(), 'pglite-thread-count.json');
  const zero = () => ({ requests: 0, requestBytes: 0, replies: 0, replyBytes: 0, serialiseMs: 0, byOp: {}, bySql: {} });
  let c = zero();
  let n = 0;
  const size = (msg) => {
    const t = performance.now();
    const bytes = v8.serialize(msg).length;
    c.serialiseMs += performance.now() - t;
    return bytes;
  };
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (msg, ...rest) {
    c.requests++;
    const bytes = size(msg);
    c.requestBytes += bytes;
    const op = msg?.op ?? '?';
    c.byOp[op] = (c.byOp[op] ?? 0) + 1;
    // by statement (its first 80 characters, spaces folded): how many, and the bytes they carry
    if (op === 'query') {
      const key = String(msg.sql).replace(/\s+/g, ' ').slice(0, 80);
      const s = (c.bySql[key] ??= { n: 0, bytes: 0 });
      s.n++;
      s.bytes += bytes;
    }
    return post.call(this, msg, ...rest);
  };
  const emit = Worker.prototype.emit;
  Worker.prototype.emit = function (event, msg, ...rest) {
    if (event === 'message') {
      c.replies++;
      c.replyBytes += size(msg);
    }
    return emit.call(this, event, msg, ...rest);
  };
  process.on('SIGUSR2', () => {
    c.bySql = Object.fromEntries(Object.entries(c.bySql).sort((a, b) => b[1].bytes - a[1].bytes));
    writeFileSync(n ? `${out}.${n}` : out, JSON.stringify(c, null, 1));
    n++;
    c = zero();
  });
}
