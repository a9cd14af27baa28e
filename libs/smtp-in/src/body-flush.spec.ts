import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { BlobStore, FsBlobStore, InlineBlobStore, type PutOptions } from '@mail/blob';
import { scratchPostgres, type ScratchDatabase } from '@mail/db';
import { RawSmtpClient } from './raw-smtp-client.js';
import { startSmtpInForTest } from './smtp-in-test-harness.js';

const pgUrl = process.env.TEST_DATABASE_URL;

/** The inline store on a real database, recording what smtp-in asked of it. */
class RecordingStore extends BlobStore {
  puts: Array<{ key: string; opts?: PutOptions; deferred?: true }> = [];
  flushPuts: string[] = [];
  deletes: string[] = [];
  /** plays the failover: the row committed, never flushed, is gone when smtp-in comes to flush it */
  loseBeforeFlush = false;

  constructor(readonly inner: InlineBlobStore) {
    super();
  }

  async put(key: string, body: Readable | Buffer, opts?: PutOptions) {
    const r = await this.inner.put(key, body, opts);
    this.puts.push({ key, opts, deferred: r.deferred });
    return r;
  }
  override async flushPut(key: string) {
    this.flushPuts.push(key);
    if (this.loseBeforeFlush) await this.inner.delete(key);
    return this.inner.flushPut(key);
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

async function send(port: number, body = 'body'): Promise<string> {
  const { client } = await RawSmtpClient.connect(port);
  await client.cmd('EHLO client.test');
  assert.match(await client.cmd('MAIL FROM:<a@remote.test>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<bob@example.com>'), /^250/);
  assert.match(await client.cmd('DATA'), /^354/);
  const reply = await client.cmd(`Subject: hi\r\n\r\n${body}\r\n.`);
  client.close();
  return reply;
}

describe('smtp-in: a body whose flush the queue commit covers only if it saw the row (ADR 0067)', { skip: !pgUrl && 'TEST_DATABASE_URL not set' }, () => {
  let scratch: ScratchDatabase;
  let dir: string;
  const started: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    scratch = await scratchPostgres(pgUrl!, 'smtp_body');
    dir = await mkdtemp(join(tmpdir(), 'smtp-body-'));
  });
  after(async () => {
    await Promise.all(started.map((s) => s.close()));
    await scratch?.drop();
    await rm(dir, { recursive: true, force: true });
  });
  const start = async (bodyCovered: boolean | undefined, maxInline = 4096) => {
    const store = new RecordingStore(await InlineBlobStore.open(scratch.db, new FsBlobStore(dir), maxInline));
    const smtp = await startSmtpInForTest({}, { blobs: () => store, bodyCovered });
    started.push(smtp);
    const row = async (key: string) => (await scratch.db.query('SELECT 1 FROM blob.inline WHERE key = $1', [key])).rows.length;
    return { smtp, store, row };
  };

  it('asks delivery to check the row and, when its commit saw it, answers 250 without a flush of its own', async () => {
    const { smtp, store, row } = await start(true);
    assert.match(await send(smtp.ports.mx), /^250 2\.0\.0 OK queued as /);
    const key = smtp.enqueued[0].blobKey;
    assert.deepEqual(store.puts.find((p) => p.key === key), { key, opts: { flush: 'with-next-commit' }, deferred: true });
    assert.equal(smtp.enqueued[0].bodyUnflushed, true);
    assert.deepEqual(store.flushPuts, []);
    assert.equal(await row(key), 1);
  });

  it('flushes its own row before the 250 when the queue commit did not see it, or delivery did not say', async () => {
    for (const covered of [false, undefined]) {
      const { smtp, store } = await start(covered);
      assert.match(await send(smtp.ports.mx), /^250 /);
      assert.deepEqual(store.flushPuts, [smtp.enqueued[0].blobKey], `delivery answered ${covered}`);
    }
  });

  it('answers 451 when its row is gone by the time it flushes (a failover), and deletes nothing', async () => {
    const { smtp, store } = await start(false);
    store.loseBeforeFlush = true;
    assert.match(await send(smtp.ports.mx), /^451 /);
    assert.equal(smtp.enqueued.length, 1);
    assert.deepEqual(store.deletes, []);
  });

  it('asks nothing for a body the large store took (durable at once)', async () => {
    const { smtp, store, row } = await start(false, 16);
    assert.match(await send(smtp.ports.mx, 'x'.repeat(200)), /^250 /);
    const key = smtp.enqueued[0].blobKey;
    assert.equal(store.puts.find((p) => p.key === key)?.deferred, undefined);
    assert.equal(smtp.enqueued[0].bodyUnflushed, undefined);
    assert.deepEqual(store.flushPuts, []);
    assert.equal(await row(key), 0);
    assert.ok(((await store.stat(key))?.size ?? 0) > 200);
  });
});
