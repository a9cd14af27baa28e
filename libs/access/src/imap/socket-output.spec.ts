import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { SocketOutput } from './socket-output.js';

async function pair(): Promise<{ client: Socket; server: Socket; close(): void }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const client = connect((srv.address() as AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  return { client, server, close: () => (client.destroy(), server.destroy(), srv.close()) };
}

describe('SocketOutput batches', () => {
  it('delivers every byte in order through a batch far larger than the high-water mark, and nothing is held after it', async () => {
    const p = await pair();
    try {
      const out = new SocketOutput(p.server);
      const received: Buffer[] = [];
      p.client.on('data', (d) => received.push(d));
      const lines = Array.from({ length: 5000 }, (_, i) => `* ${i + 1} FETCH (UID ${i + 1} FLAGS (\\Seen))\r\n`);
      out.startBatch();
      for (const l of lines) await out.send(l);
      out.endBatch();
      await out.send('tag OK done\r\n');
      const expected = lines.join('') + 'tag OK done\r\n';
      for (let i = 0; i < 200 && Buffer.concat(received).length < expected.length; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(Buffer.concat(received).toString(), expected);
      assert.equal(p.server.writableCorked, 0);
    } finally {
      p.close();
    }
  });

  it('keeps text gathered in a batch in order with the literal bytes sent between it, and gives no promise for a gathered line', async () => {
    const p = await pair();
    try {
      const out = new SocketOutput(p.server);
      const received: Buffer[] = [];
      p.client.on('data', (d) => received.push(d));
      out.startBatch();
      assert.equal(out.queue('* 1 FETCH (UID 1)\r\n'), undefined);
      await out.send('* 2 FETCH (UID 2 BODY[] {5}\r\n');
      await out.send(Buffer.from('hello'));
      await out.send(')\r\n');
      const many = Array.from({ length: 3000 }, (_, i) => `* ${i + 3} FETCH (UID ${i + 3})\r\n`);
      for (const line of many) await out.queue(line);
      out.endBatch();
      const expected = '* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2 BODY[] {5}\r\nhello)\r\n' + many.join('');
      for (let i = 0; i < 200 && Buffer.concat(received).length < expected.length; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(Buffer.concat(received).toString(), expected);
    } finally {
      p.close();
    }
  });
});
