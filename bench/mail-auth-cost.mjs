#!/usr/bin/env node
// The CPU cost per message of each inbound check, in one process without sockets, on the bench's
// ~10 KB messages DKIM-signed (RSA-2048) by a domain that publishes SPF, DKIM and DMARC. DNS answers
// come from memory, as they do from smtp-in's cache once a sender domain has been seen (the steady
// state of a busy MX); a first message from a new domain waits on the network on top of this.
//   node bench/mail-auth-cost.mjs [--messages=2000]
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { makeMessage } from './lib/message.mjs';

const require = createRequire(import.meta.url);
const { authenticate, dkimVerify, spf, dmarc } = require('mailauth');
const { senderDomain } = require('@mail/testing');

const count = Number(process.argv.find((a) => a.startsWith('--messages='))?.split('=')[1] ?? 2000);
const domain = senderDomain('signed.example', { dmarc: 'v=DMARC1; p=reject', spfAllows: 'ip4:192.0.2.0/24 ip4:198.51.100.0/24 a mx' });
const records = new Map();
for (const [name, r] of Object.entries(domain.zone)) for (const t of r.TXT ?? []) records.set(`TXT ${name}`, [[t]]);
const resolver = async (name, type) => {
  const hit = records.get(`${type} ${name.toLowerCase()}`);
  if (hit) return hit;
  throw Object.assign(new Error('nxdomain'), { code: 'ENOTFOUND' });
};

const from = 'news@signed.example';
const unsigned = Array.from({ length: count }, (_, i) => makeMessage({ index: i, from: 'news@unknown.example', to: `u${i % 16}@bench.test` }).raw);
const messages = await Promise.all(Array.from({ length: count }, (_, i) => domain.sign(makeMessage({ index: i, from, to: `u${i % 16}@bench.test` }).raw)));
const input = { ip: '192.0.2.10', helo: 'mail.signed.example', sender: from, mta: 'mx.bench.test', resolver };

/** CPU ms per message of `fn`, after a warm-up pass (V8 compiles the checks on the first hundred or so). */
async function measure(label, fn, list = messages) {
  for (const m of list.slice(0, 200)) await fn(m);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const m of list) await fn(m);
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000 / messages.length;
  console.log(`${label.padEnd(52)} ${ms.toFixed(3)} ms CPU/message  (${((performance.now() - t0) / messages.length).toFixed(3)} ms wall)`);
  return ms;
}

console.log(`${count} messages of ~${Math.round(messages[0].length / 1024)} KB, DKIM-signed (rsa-sha256, 2048 bits), Node ${process.versions.node}\n`);
const spfOnly = await measure('SPF (MAIL FROM, ip4 match)', () => spf(input));
const dkimOnly = await measure('DKIM verify (body hash + RSA-2048 signature)', (m) => dkimVerify(Readable.from([m]), { resolver }));
const dmarcOnly = await measure('DMARC (record, alignment)', () =>
  dmarc({ headerFrom: from, spfDomains: ['signed.example'], dkimDomains: [{ domain: 'signed.example', aligned: 'signed.example' }], resolver }),
);
const all = await measure('all of authenticate() (SPF+DKIM+ARC+DMARC, no BIMI)', (m) => authenticate(Readable.from([m]), { ...input, disableBimi: true }));
const bare = await measure('authenticate(), unsigned mail, nothing published', (m) => authenticate(Readable.from([m]), { ...input, sender: 'news@unknown.example', disableBimi: true }), unsigned);
console.log(`\nparts add up to ${(spfOnly + dkimOnly + dmarcOnly).toFixed(3)} ms; authenticate()'s own glue and ARC (no ARC headers here): ${(all - spfOnly - dkimOnly - dmarcOnly).toFixed(3)} ms; unsigned mail from a domain without records costs ${bare.toFixed(3)} ms`);
