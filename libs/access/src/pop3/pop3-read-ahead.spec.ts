import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { MemoryLeaseStore } from '@mail/bus';
import { createLogger } from '@mail/telemetry';
import { Pop3Server } from './pop3-server.js';
import { FakePop3Backend } from './pop3-fakes.spec-helper.js';
import { Pop3TestClient } from './pop3-test-client.spec-helper.js';
import { TrackingBlobStore } from '../tracking-blob-store.spec-helper.js';

const logger = createLogger('pop3-read-ahead-test', 'silent');
const carol = { address: 'carol@example.com', password: 'pw carol', accountId: '44444444-4444-4444-8444-444444444444' };

const message = (i: number) => `Subject: m${i}\r\n\r\nbody ${i} ${'x'.repeat(i * 50)}\r\n`;

async function setup(count: number) {
  const blobs = new TrackingBlobStore(1024);
  const backend = new FakePop3Backend(blobs);
  backend.addAccount(carol);
  const keys: string[] = [];
  for (let i = 1; i <= count; i++) keys.push((await backend.addMessage(carol.accountId, message(i))).blobKey);
  blobs.resetCounts();
  const server = new Pop3Server({ host: '127.0.0.1', port: 0, allowPlaintextAuth: true, logger, authFailureDelayMs: 1 }, backend, blobs, new MemoryLeaseStore());
  await server.start();
  const c = await Pop3TestClient.connect(server.ports.port);
  assert.match(await c.readLine(), /^\+OK /);
  assert.match(await c.command(`USER ${carol.address}`), /^\+OK/);
  assert.match(await c.command(`PASS ${carol.password}`), /^\+OK/);
  const stop = async () => {
    c.destroy();
    await server.stop();
  };
  return { blobs, keys, server, c, stop };
}

describe('POP3 RETR read-ahead', () => {
  it('retrieves every message byte-exact in order while the next ones are read meanwhile, a bounded number at once', async () => {
    const t = await setup(40);
    try {
      t.blobs.delayMs = 1;
      t.blobs.jitter = 4;
      for (let i = 1; i <= 40; i++) {
        const r = await t.c.multi(`RETR ${i}`);
        assert.equal(r.body.toString('latin1'), message(i), `message ${i}`);
      }
      assert.equal(t.blobs.reads, 40, 'each message read once');
      assert.ok(t.blobs.peak > 1 && t.blobs.peak <= 8, `between 2 and 8 reads at once, saw ${t.blobs.peak}`);
    } finally {
      await t.stop();
    }
  });

  it('answers -ERR for a message whose early read failed, in its turn, and goes on with the next', async () => {
    const t = await setup(10);
    try {
      t.blobs.failing.add(t.keys[2]!);
      assert.equal((await t.c.multi('RETR 1')).body.toString('latin1'), message(1));
      assert.equal((await t.c.multi('RETR 2')).body.toString('latin1'), message(2));
      assert.equal(await t.c.command('RETR 3'), '-ERR [SYS/TEMP] message body unavailable');
      assert.equal((await t.c.multi('RETR 4')).body.toString('latin1'), message(4));
    } finally {
      await t.stop();
    }
  });

  it('stops the reads ahead when the client hangs up mid-RETR, and starts no more', async () => {
    const t = await setup(30);
    try {
      t.blobs.hold();
      t.c.send('RETR 1\r\n');
      while (t.blobs.reads < 8) await tick();
      t.c.destroy();
      while (t.server.connectionCount > 0) await tick();
      t.blobs.release();
      await t.blobs.settled();
      assert.equal(t.blobs.aborted, 8, 'every stream that arrived late was destroyed unread');
      assert.equal(t.blobs.reads, 8);
    } finally {
      await t.stop();
    }
  });
});
