#!/usr/bin/env node
// What FETCH EMAILID and FETCH SAVEDATE (ADR 0056) add to a metadata FETCH: process CPU (the embedded
// platform and the client share the process) per message for `UID FETCH 1:* (UID RFC822.SIZE)`
// with and without the new items, best of R runs, and the bus requests per FETCH (counted, so load
// does not change them). CPU under load is inflated alike for every variant: compare the lines.
//   npm run build && node bench/imap-objectid-cpu.mjs   (N=1000 messages, R=7 runs by default)
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { InProcessBus } = require('@mail/bus');
const { startEmbeddedForTest, RawLineClient } = require('@mail/testing');
let requests = 0;
const orig = InProcessBus.prototype.request;
InProcessBus.prototype.request = function (contract, payload, opts) {
  requests++;
  return orig.call(this, contract, payload, opts);
};
const N = Number(process.env.N ?? 1000);
const R = Number(process.env.R ?? 7);
const p = await startEmbeddedForTest({ env: { ALLOW_PLAINTEXT_AUTH: 'true' } });
const post = (path, body) => fetch(p.adminUrl + path, { method: 'POST', headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
await post('/api/v1/domains', { name: 'm.test' });
await post('/api/v1/accounts', { address: 'ids@m.test', password: 'pass phrase 1' });
let t = 0;
async function cmd(c, line) {
  const tag = `t${++t}`;
  c.send(`${tag} ${line}\r\n`);
  const r = await c.line(new RegExp(`^${tag} `));
  if (!r.startsWith(`${tag} OK`)) throw new Error(r);
  return r;
}
const c = await RawLineClient.open(p.ports.imap);
await c.line(/^\* OK/);
await cmd(c, 'LOGIN ids@m.test "pass phrase 1"');
for (let i = 0; i < N; i++) {
  const m = `Subject: m${i}\r\nMessage-ID: <m${i}@m.test>\r\n\r\nbody ${i}\r\n`;
  await cmd(c, `APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}`);
}
await cmd(c, 'SELECT INBOX');
const variants = ['(UID RFC822.SIZE)', '(UID RFC822.SIZE EMAILID)', '(UID RFC822.SIZE SAVEDATE)', '(UID RFC822.SIZE EMAILID THREADID SAVEDATE)'];
const best = new Map();
for (let r = 0; r < R; r++) {
  for (const v of variants) {
    requests = 0;
    const before = process.cpuUsage();
    await cmd(c, `UID FETCH 1:* ${v}`);
    const used = process.cpuUsage(before);
    const us = (used.user + used.system) / N;
    const b = best.get(v);
    if (!b || us < b.us) best.set(v, { us, requests });
  }
}
for (const [v, b] of best) console.log(`UID FETCH 1:* ${v}: ${b.us.toFixed(1)} µs CPU per message, ${b.requests} bus requests (N=${N}, best of ${R})`);
c.send('z LOGOUT\r\n');
await p.close();
