import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
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

  it('joins the lines sent outside a batch in one turn into one write, and writes a line the session then waits after', async () => {
    const p = await pair();
    try {
      const out = new SocketOutput(p.server);
      const received: Buffer[] = [];
      p.client.on('data', (d) => received.push(d));
      let writes = 0;
      const write = p.server.write.bind(p.server) as (chunk: string | Buffer) => boolean;
      p.server.write = ((chunk: string | Buffer) => (writes++, write(chunk))) as typeof p.server.write;
      // APPEND's answer: EXISTS, RECENT, the tagged OK, each awaited as the command does
      await out.send('* 5 EXISTS\r\n');
      await out.send('* 1 RECENT\r\n');
      await out.send('a1 OK [APPENDUID 1 5] APPEND completed\r\n');
      await new Promise((r) => setImmediate(r));
      assert.equal(writes, 1, 'one system call for the three lines');
      // a continuation: nothing more is sent until the client answers, so it must be out by itself
      await out.send('+ idling\r\n');
      const expected = '* 5 EXISTS\r\n* 1 RECENT\r\na1 OK [APPENDUID 1 5] APPEND completed\r\n+ idling\r\n';
      for (let i = 0; i < 200 && Buffer.concat(received).length < expected.length; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(Buffer.concat(received).toString(), expected);
      assert.equal(writes, 2);
    } finally {
      p.close();
    }
  });

  it('writes what was gathered for the old transport before a new one takes over, and before the end', () => {
    const sink = () => {
      const chunks: string[] = [];
      const w = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) });
      return { w, chunks };
    };
    const plain = sink();
    const tls = sink();
    const out = new SocketOutput(plain.w);
    void out.send('* OK ready\r\n');
    void out.send('a1 OK Begin TLS negotiation now\r\n');
    // STARTTLS swaps the transport right after its OK, in the same turn
    out.socket = tls.w;
    void out.send('* BYE later\r\n');
    out.end();
    assert.deepEqual(plain.chunks, ['* OK ready\r\na1 OK Begin TLS negotiation now\r\n']);
    assert.deepEqual(tls.chunks, ['* BYE later\r\n']);
  });

  it('makes senders wait while a joined write left the socket over its high-water mark', async () => {
    // a client that reads nothing until released
    let held = true;
    const pending: Array<() => void> = [];
    const release = () => {
      held = false;
      for (const cb of pending.splice(0)) cb();
    };
    const slow = new Writable({ highWaterMark: 64, write: (_c, _e, cb) => void (held ? pending.push(() => cb()) : cb()) });
    const out = new SocketOutput(slow);
    assert.equal(await out.send('x'.repeat(100)), undefined);
    await new Promise((r) => setImmediate(r));
    const waiting = out.queue('* more\r\n');
    assert.ok(waiting instanceof Promise, 'the next sender waits for the drain');
    let done = false;
    void waiting.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    release();
    await waiting;
    assert.equal(done, true);
  });
});
