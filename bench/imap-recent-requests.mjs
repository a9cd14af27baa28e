#!/usr/bin/env node
// Bus requests per own APPEND and per IDLE arrival, for an IMAP4rev1 session (\Recent claims, ADR
// 0034) and an IMAP4rev2 one, on the embedded platform: counted by subject in the in-process bus, so
// the figure does not depend on the machine's load.
//   npm run build && node bench/imap-recent-requests.mjs   (N=20 messages by default)
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { InProcessBus } = require('@mail/bus');
const { startEmbeddedForTest, RawLineClient } = require('@mail/testing');
const counts = new Map();
let counting = false;
const orig = InProcessBus.prototype.request;
InProcessBus.prototype.request = function (contract, payload, opts) {
  if (counting) counts.set(contract.subject, (counts.get(contract.subject) ?? 0) + 1);
  return orig.call(this, contract, payload, opts);
};
const N = Number(process.env.N ?? 20);
const p = await startEmbeddedForTest({ env: { ALLOW_PLAINTEXT_AUTH: 'true' } });
const post = (path, body) => fetch(p.adminUrl + path, { method: 'POST', headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
await post('/api/v1/domains', { name: 'm.test' });
let t = 0;
async function cmd(c, line) { const tag = `t${++t}`; c.send(`${tag} ${line}\r\n`); return c.line(new RegExp(`^${tag} `)); }
async function session(user) { const c = await RawLineClient.open(p.ports.imap); await c.line(/^\* OK/); const r = await cmd(c, `LOGIN ${user} "pass phrase 1"`); if (!r.includes('OK')) throw new Error(r); return c; }
const msg = (i) => `Subject: m${i}\r\n\r\nbody ${i}\r\n`;
async function append(c, i) { const m = msg(i); const r = await cmd(c, `APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}`); if (!r.includes('OK')) throw new Error(r); }
function take() { const o = Object.fromEntries(counts); counts.clear(); return o; }
for (const rev of ['rev1', 'rev2']) {
  const user = `${rev}@m.test`;
  await post('/api/v1/accounts', { address: user, password: 'pass phrase 1' });
  const a = await session(user);
  if (rev === 'rev2') await cmd(a, 'ENABLE IMAP4rev2');
  await cmd(a, 'SELECT INBOX');
  const b = await session(user);
  // own APPEND into the selected mailbox
  counting = true;
  for (let i = 0; i < N; i++) await append(a, i);
  await cmd(a, 'NOOP');
  counting = false;
  console.log(rev, `own APPEND x${N} (+1 NOOP):`, JSON.stringify(take()));
  // IDLE arrivals: b appends (b has nothing selected), a idles
  a.send('i1 IDLE\r\n'); await a.line(/^\+ /);
  counting = true;
  for (let i = 0; i < N; i++) { await append(b, i); await a.line(/^\* \d+ EXISTS/); if (rev === 'rev1') await a.line(/^\* \d+ RECENT/); }
  counting = false;
  a.send('DONE\r\n'); await a.line(/^i1 /);
  console.log(rev, `IDLE arrivals x${N}:`, JSON.stringify(take()));
  a.send('x LOGOUT\r\n'); b.send('y LOGOUT\r\n');
}
await p.close();
