import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '@mail/blob';
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
