#!/usr/bin/env node
// MX connection reuse (ADR 0040): N messages in a row to one domain through delivery's OutboundSmtp,
// with the pool (one connection for all) and with the pool emptied after every message (one
// connection each, as before), against an smtp-server next hop on loopback in the same process.
// Prints connections, msg/s and CPU per message (sender and next hop together).
//   npm run build && node bench/outbound-reuse.mjs [--messages=300]
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

const require = createRequire(import.meta.url);
const { SMTPServer } = require('smtp-server');
const { OutboundSmtp } = require('../libs/delivery/dist/outbound-smtp.js');

const count = Number(process.argv.find((a) => a.startsWith('--messages='))?.split('=')[1] ?? 300);
let connections = 0;
const server = new SMTPServer({
  logger: false,
  disabledCommands: ['AUTH', 'STARTTLS'],
  disableReverseLookup: true,
  onConnect: (_s, cb) => {
    connections++;
    cb();
  },
  onData(stream, _s, cb) {
    stream.resume();
    stream.on('end', () => cb());
  },
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
// the MX is an address literal: no DNS question
const outbound = new OutboundSmtp({
  hostname: 'out.bench',
  port: server.server.address().port,
  resolveMx: async () => [{ exchange: '127.0.0.1', priority: 10 }],
  resolve: async () => {
    throw new Error('no DNS in this bench');
  },
});
const text = Buffer.from(`Subject: reuse\r\n\r\n${'x'.repeat(2000)}\r\n`);
const body = async () => Readable.from([text]);

for (const reuse of [false, true, false, true]) {
  connections = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const [r] = await outbound.send('dest.bench', 's@src.bench', ['r@dest.bench'], body, text.length);
    if (r.result !== 'sent') throw new Error(r.detail);
    if (!reuse) outbound.closeIdle();
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  console.log(`${reuse ? 'reuse   ' : 'no reuse'}: ${count} messages, ${connections} connections, ${(count / (ms / 1000)).toFixed(0)} msg/s, ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms CPU per message`);
}
outbound.closeIdle();
server.close();
