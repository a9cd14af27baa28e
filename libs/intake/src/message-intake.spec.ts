import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore, readAll } from '@mail/blob';
import { indexMessageBuffer } from '@mail/mime';
import { receiveIntoBlob } from './message-intake.js';

/** A blob store that is slow to start reading, as an S3 bucket check or a mkdir under load is. */
class SlowStartBlobStore extends FsBlobStore {
  override async put(key: string, body: Readable | Buffer): Promise<{ size: number }> {
    await sleep(50);
    return super.put(key, body);
  }
}

describe('receiveIntoBlob', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'intake-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const feed = (chunks: string[]) => {
    const source = new PassThrough();
    for (const c of chunks) source.write(c);
    source.end();
    return source;
  };

  it('stores the prefix and the body and scans the headers', async () => {
    const blobs = new FsBlobStore(dir);
    const r = await receiveIntoBlob(feed(['Subject: hi\r\nMessage-ID: <a@b>\r\n', '\r\nbody\r\n']), { blobs, key: 'ok/1', prefix: Buffer.from('Received: x\r\n'), maxBytes: 1000 });
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.size, 'Received: x\r\n'.length + 'Subject: hi\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n'.length);
    assert.equal(r.headers.messageId, '<a@b>');
  });

  it('indexes the stored bytes on the way, prefix included, exactly as the store would parse the blob', async () => {
    const blobs = new FsBlobStore(dir);
    const body =
      'From: "A" <a@example.com>\r\nSubject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
      '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b1--\r\n';
    // chunk borders inside a header line, a boundary line and the base64 part
    const chunks = [body.slice(0, 7), body.slice(7, 130), body.slice(130, 190), body.slice(190)];
    const r = await receiveIntoBlob(feed(chunks), { blobs, key: 'idx/1', prefix: Buffer.from('Received: from x\r\n\tby y; date\r\n'), maxBytes: 10_000 });
    assert.ok(r.ok && r.index);
    const stored = await readAll(await blobs.get('idx/1'));
    assert.deepEqual(r.index, indexMessageBuffer(stored));
    assert.equal(r.index.size, r.size);
    assert.equal(r.index.body.parts?.length, 2);
  });

  it('refuses an oversized message before the store has started reading, without an unhandled error, and keeps no blob', async () => {
    const blobs = new SlowStartBlobStore(dir);
    const errors: unknown[] = [];
    const onUncaught = (err: unknown) => errors.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const r = await receiveIntoBlob(feed(['Subject: big\r\n\r\n', 'x'.repeat(5000)]), { blobs, key: 'big/1', prefix: Buffer.alloc(0), maxBytes: 1000 });
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, 'too-large');
      await sleep(100);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(await readdir(join(dir, 'big')).catch(() => []), []);
  });
});
