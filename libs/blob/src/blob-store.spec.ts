import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import S3rver from 's3rver';
import { newBlobKey } from './blob-key.js';
import { BlobNotFoundError, type BlobStore } from './blob-store.port.js';
import { FsBlobStore } from './fs-blob-store.js';
import { readAll } from './read-all.js';
import { S3BlobStore } from './s3-blob-store.js';

function blobContract(name: string, open: () => Promise<{ store: BlobStore; close(): Promise<void> }>) {
  describe(`blob store contract: ${name}`, () => {
    let ctx: { store: BlobStore; close(): Promise<void> };
    after(async () => ctx?.close());

    it('stores a stream and reads it back whole and by range', async () => {
      ctx = await open();
      const key = newBlobKey();
      const body = Buffer.from('0123456789'.repeat(100_000)); // 1 MB, several chunks
      const { size } = await ctx.store.put(key, Readable.from([body.subarray(0, 300_000), body.subarray(300_000)]));
      assert.equal(size, body.length);
      assert.deepEqual(await readAll(await ctx.store.get(key)), body);
      assert.equal((await readAll(await ctx.store.getRange(key, 10, 25))).toString(), '012345678901234');
      assert.deepEqual(await ctx.store.stat(key), { size: body.length });
    });

    it('streams a body larger than one upload part', async () => {
      const key = newBlobKey();
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const parts = Array.from({ length: 17 }, () => chunk); // 17 MiB: three parts
      const { size } = await ctx.store.put(key, Readable.from(parts));
      assert.equal(size, 17 * 1024 * 1024);
      assert.deepEqual(await ctx.store.stat(key), { size });
      assert.equal((await readAll(await ctx.store.getRange(key, size - 3, size))).length, 3);
    });

    it('reports a missing blob and deletes idempotently', async () => {
      const key = newBlobKey();
      assert.equal(await ctx.store.stat(key), null);
      await assert.rejects(ctx.store.get(key), BlobNotFoundError);
      await ctx.store.put(key, Buffer.from('x'));
      await ctx.store.delete(key);
      await ctx.store.delete(key);
      assert.equal(await ctx.store.stat(key), null);
    });

    it('refuses keys that could escape its namespace', async () => {
      for (const bad of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', 'sp ace']) {
        await assert.rejects(ctx.store.put(bad, Buffer.from('x')));
      }
    });
  });
}

blobContract('filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'blob-fs-'));
  return { store: new FsBlobStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

blobContract('S3 (s3rver)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'blob-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  const store = new S3BlobStore({ endpoint: `http://127.0.0.1:${port}`, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket: 'mail-test' });
  return {
    store,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
