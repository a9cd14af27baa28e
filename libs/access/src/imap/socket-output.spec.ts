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
});
