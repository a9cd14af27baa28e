import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { BlobStore, type PutOptions } from '@mail/blob';
import { RawSmtpClient } from './raw-smtp-client.js';
import { startSmtpInForTest } from './smtp-in-test-harness.js';

/**
 * A blob store that, like the inline store on PostgreSQL, may leave a put's flush to its caller
 * (ADR 0061): it records what smtp-in asked of it.
 */
class DeferringStore extends BlobStore {
  puts: Array<{ key: string; opts?: PutOptions }> = [];
  flushes = 0;
  deletes: string[] = [];
  failFlush = false;

  constructor(
    private readonly inner: BlobStore,
    private readonly scope: string | undefined,
  ) {
    super();
  }

  override get durabilityScope(): string | undefined {
    return this.scope;
  }
  override async flush(): Promise<void> {
    this.flushes++;
    if (this.failFlush) throw new Error('database went away');
  }
  put(key: string, body: Readable | Buffer, opts?: PutOptions) {
    this.puts.push({ key, opts });
    return this.inner.put(key, body);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  getRange(key: string, start: number, end: number) {
    return this.inner.getRange(key, start, end);
  }
  stat(key: string) {
    return this.inner.stat(key);
  }
  delete(key: string) {
    this.deletes.push(key);
    return this.inner.delete(key);
  }
  ping() {
    return this.inner.ping();
  }
}

async function send(port: number): Promise<string> {
  const { client } = await RawSmtpClient.connect(port);
  await client.cmd('EHLO client.test');
  assert.match(await client.cmd('MAIL FROM:<a@remote.test>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<bob@example.com>'), /^250/);
  assert.match(await client.cmd('DATA'), /^354/);
  const reply = await client.cmd('Subject: hi\r\n\r\nbody\r\n.');
  client.close();
  return reply;
}

describe('smtp-in: a body whose flush waits for the queue commit (ADR 0061)', () => {
  const started: Array<{ close(): Promise<void> }> = [];
  after(() => Promise.all(started.map((s) => s.close())));
  const start = async (scope: string | undefined, enqueueWal?: string) => {
    let store!: DeferringStore;
    const smtp = await startSmtpInForTest({}, { blobs: (dir) => (store = new DeferringStore(dir, scope)), enqueueWal });
    started.push(smtp);
    return { smtp, store };
  };

  it('defers the flush and does not flush when delivery committed to the same WAL', async () => {
    const { smtp, store } = await start('pg:42', 'pg:42');
    assert.match(await send(smtp.ports.mx), /^250 2\.0\.0 OK queued as /);
    const put = store.puts.find((p) => p.key === smtp.enqueued[0].blobKey);
    assert.deepEqual(put?.opts, { flush: 'with-next-commit' });
    assert.equal(store.flushes, 0);
  });

  it('flushes before the 250 when delivery committed elsewhere or did not say where', async () => {
    for (const wal of ['pg:7', undefined]) {
      const { smtp, store } = await start('pg:42', wal);
      assert.match(await send(smtp.ports.mx), /^250 /);
      assert.equal(store.flushes, 1, `delivery answered ${wal}`);
    }
  });

  it('answers 451 when the flush fails, and keeps the body the queue entry refers to', async () => {
    const { smtp, store } = await start('pg:42', 'pg:7');
    store.failFlush = true;
    assert.match(await send(smtp.ports.mx), /^451 /);
    assert.equal(smtp.enqueued.length, 1);
    assert.deepEqual(store.deletes, []);
    assert.ok((await smtp.stored(smtp.enqueued[0].blobKey)).length > 0);
  });

  it('asks nothing of a store whose puts are durable when they resolve', async () => {
    const { smtp, store } = await start(undefined, 'pg:42');
    assert.match(await send(smtp.ports.mx), /^250 /);
    assert.equal(store.puts.find((p) => p.key === smtp.enqueued[0].blobKey)?.opts, undefined);
    assert.equal(store.flushes, 0);
  });
});
