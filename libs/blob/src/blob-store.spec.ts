import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import S3rver from 's3rver';
import { newBlobKey } from './blob-key.js';
import { BlobNotFoundError, type BlobStore } from './blob-store.port.js';
import { CachingBlobStore } from './caching-blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { readAll } from './read-all.js';
import { S3BlobStore } from './s3-blob-store.js';
import { InlineBlobStore } from './inline-blob-store.js';
import { holdsInlineBodies } from './inline-body-check.js';
import { scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';

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

/** s3rver behind a store with small bodies in a database (ADR 0052) */
async function inlineOver(open: () => Promise<ScratchDatabase>, maxBytes: number) {
  const dir = await mkdtemp(join(tmpdir(), 'blob-inline-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  const s3 = new S3BlobStore({ endpoint: `http://127.0.0.1:${port}`, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket: 'mail-test' });
  const scratch = await open();
  const store = await InlineBlobStore.open(scratch.db, s3, maxBytes);
  return {
    store,
    s3,
    db: scratch.db,
    close: async () => {
      await scratch.drop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const databases: Array<[string, () => Promise<ScratchDatabase>]> = [['PGlite', scratchPglite]];
const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) databases.push(['PostgreSQL', () => scratchPostgres(pgUrl, 'blob_test')]);

for (const [name, open] of databases) {
  // 64 KiB: the contract's 1 MB and 17 MiB bodies go to S3, its small ones stay in the database
  blobContract(`small bodies in ${name}, the rest in S3`, () => inlineOver(open, 64 * 1024));

  describe(`InlineBlobStore on ${name}`, () => {
    let ctx: Awaited<ReturnType<typeof inlineOver>>;
    after(async () => ctx?.close());
    const rows = async (key: string) => (await ctx.db.query('SELECT 1 FROM blob.inline WHERE key = $1', [key])).rowCount;

    it('keeps a body up to the limit in the database and a larger one, streamed, in S3 only', async () => {
      ctx = await inlineOver(open, 1000);
      const [small, exact, large] = [newBlobKey(), newBlobKey(), newBlobKey()];
      await ctx.store.put(small, Readable.from([Buffer.from('hello '), Buffer.from('world')]));
      await ctx.store.put(exact, Buffer.alloc(1000, 1));
      const big = Buffer.from('abcdefghij'.repeat(150));
      assert.deepEqual(await ctx.store.put(large, Readable.from([big.subarray(0, 600), big.subarray(600, 1200), big.subarray(1200)])), { size: 1500 });
      assert.equal(await rows(small), 1);
      assert.equal(await rows(exact), 1);
      assert.equal(await rows(large), 0);
      assert.equal(await ctx.s3.stat(small), null, 'a small body costs no S3 request');
      assert.deepEqual(await ctx.s3.stat(large), { size: 1500 });
      assert.equal((await readAll(await ctx.store.get(small))).toString(), 'hello world');
      assert.equal((await readAll(await ctx.store.getRange(small, 6, 11))).toString(), 'world');
      assert.deepEqual(await readAll(await ctx.store.get(large)), big);
      assert.deepEqual(await ctx.store.stat(exact), { size: 1000 });
    });

    it('puts a key again in place: a larger version replaces the row', async () => {
      const key = newBlobKey();
      await ctx.store.put(key, Buffer.from('first'));
      await ctx.store.put(key, Buffer.from('second'));
      assert.equal((await readAll(await ctx.store.get(key))).toString(), 'second');
      await ctx.store.put(key, Buffer.alloc(2000, 2));
      assert.equal(await rows(key), 0);
      assert.deepEqual(await ctx.store.stat(key), { size: 2000 });
      await ctx.store.delete(key);
      assert.equal(await ctx.store.stat(key), null);
    });

    it('shares one commit between concurrent puts, and a failed source stores nothing', async () => {
      const keys = Array.from({ length: 20 }, () => newBlobKey());
      await Promise.all(keys.map((k, i) => ctx.store.put(k, Buffer.from(`body ${i}`))));
      for (const [i, k] of keys.entries()) assert.equal((await readAll(await ctx.store.get(k))).toString(), `body ${i}`);
      // a source that stays open until it fails, as a client going away mid-DATA
      const broken = new Readable({ read: () => undefined });
      broken.push(Buffer.from('partial'));
      setImmediate(() => broken.destroy(new Error('client went away')));
      const key = newBlobKey();
      await assert.rejects(ctx.store.put(key, broken), /client went away/);
      assert.equal(await ctx.store.stat(key), null);
    });

    it("leaves the flush of a put to the caller's next commit only when asked, for that put's statement alone (ADR 0063)", async () => {
      // what each row's own transaction had for synchronous_commit, seen from inside the statement
      await ctx.db.query('CREATE TABLE IF NOT EXISTS blob.seen_commit (key text, setting text)');
      await ctx.db.query(`CREATE OR REPLACE FUNCTION blob.note_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO blob.seen_commit VALUES (NEW.key, current_setting('synchronous_commit')); RETURN NEW; END $$`);
      await ctx.db.query('CREATE TRIGGER note_commit BEFORE INSERT ON blob.inline FOR EACH ROW EXECUTE FUNCTION blob.note_commit()');
      try {
        const [later, now, plain, large] = [newBlobKey(), newBlobKey(), newBlobKey(), newBlobKey()];
        await ctx.store.put(later, Readable.from([Buffer.from('draft '), Buffer.from('body')]), { flush: 'with-next-commit' });
        await ctx.store.put(now, Buffer.from('flushed'), { flush: 'now' });
        await ctx.store.put(plain, Buffer.from('flushed too'));
        // over the limit: S3, durable at once whatever was asked
        await ctx.store.put(large, Buffer.alloc(1500, 3), { flush: 'with-next-commit' });
        const { rows: seen } = await ctx.db.query<{ key: string; setting: string }>('SELECT key, setting FROM blob.seen_commit');
        assert.deepEqual(new Map(seen.map((r) => [r.key, r.setting])), new Map([[later, 'off'], [now, 'on'], [plain, 'on']]));
        assert.equal((await readAll(await ctx.store.get(later))).toString(), 'draft body');
        assert.deepEqual(await ctx.s3.stat(large), { size: 1500 });
        // the setting was the statement's transaction's: every connection of the pool is back to on
        const settings = await Promise.all(Array.from({ length: 4 }, () => ctx.db.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")));
        assert.deepEqual([...new Set(settings.map((r) => r.rows[0]?.s))], ['on']);
      } finally {
        await ctx.db.query('DROP TRIGGER note_commit ON blob.inline');
      }
    });

    it('says which puts it deferred; flushPut answers whether it holds the blob (ADR 0067)', async () => {
      const [row, large, gone] = [newBlobKey(), newBlobKey(), newBlobKey()];
      assert.deepEqual(await ctx.store.put(row, Buffer.from('deferred'), { flush: 'with-next-commit' }), { size: 8, deferred: true });
      assert.deepEqual(await ctx.store.put(large, Buffer.alloc(1500, 1), { flush: 'with-next-commit' }), { size: 1500 });
      assert.deepEqual(await ctx.store.put(gone, Buffer.from('lost')), { size: 4 });
      await ctx.store.delete(gone);
      assert.deepEqual([await ctx.store.flushPut(row), await ctx.store.flushPut(large), await ctx.store.flushPut(gone)], [true, true, false]);
      assert.equal((await readAll(await ctx.store.get(row))).toString(), 'deferred');
      assert.equal(await holdsInlineBodies(ctx.db), true);
    });

    it('still reads bodies kept in the database when inlining is turned off (0), and writes new ones to S3', async () => {
      const key = newBlobKey();
      await ctx.store.put(key, Buffer.from('kept inline'));
      const off = await InlineBlobStore.open(ctx.db, ctx.s3, 0);
      assert.equal((await readAll(await off.get(key))).toString(), 'kept inline');
      const next = newBlobKey();
      await off.put(next, Buffer.from('x'));
      assert.equal(await rows(next), 0);
      assert.deepEqual(await ctx.s3.stat(next), { size: 1 });
    });
  });
}

blobContract('cache in front of the filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'blob-cache-'));
  return { store: new CachingBlobStore(new FsBlobStore(dir), { maxBytes: 4 * 1024 * 1024, maxEntryBytes: 2 * 1024 * 1024 }), close: () => rm(dir, { recursive: true, force: true }) };
});

describe('CachingBlobStore', () => {
  let dir: string;
  after(async () => rm(dir, { recursive: true, force: true }));

  /** the inner store's reads, counted */
  async function counted(opts = { maxBytes: 100, maxEntryBytes: 40 }) {
    dir ??= await mkdtemp(join(tmpdir(), 'blob-cache-count-'));
    const inner = new FsBlobStore(dir);
    const reads: string[] = [];
    const spy = Object.assign(Object.create(inner) as FsBlobStore, {
      get: (k: string) => (reads.push(`get ${k}`), inner.get(k)),
      getRange: (k: string, s: number, e: number) => (reads.push(`range ${k} ${s}-${e}`), inner.getRange(k, s, e)),
    });
    return { cache: new CachingBlobStore(spy, opts), inner, reads };
  }
  const text = async (s: Promise<Readable>) => (await readAll(await s)).toString();

  it('serves a second read of a body, whole or any range of it, from memory', async () => {
    const { cache, inner, reads } = await counted();
    const key = newBlobKey();
    await inner.put(key, Buffer.from('0123456789'));
    assert.equal(await text(cache.get(key)), '0123456789');
    assert.equal(await text(cache.get(key)), '0123456789');
    assert.equal(await text(cache.getRange(key, 2, 5)), '234');
    assert.equal(await text(cache.getRange(key, 8, 50)), '89', 'a range past the end stops at the end');
    assert.deepEqual(await cache.stat(key), { size: 10 });
    assert.deepEqual(reads, [`get ${key}`]);
  });

  it('holds a range from byte 0 as a prefix: ranges inside it hit, a whole read does not', async () => {
    const { cache, inner, reads } = await counted();
    const key = newBlobKey();
    await inner.put(key, Buffer.from('abcdefghij'));
    assert.equal(await text(cache.getRange(key, 0, 4)), 'abcd');
    assert.equal(await text(cache.getRange(key, 1, 3)), 'bc');
    assert.equal(await text(cache.get(key)), 'abcdefghij');
    assert.equal(await text(cache.getRange(key, 5, 10)), 'fghij');
    assert.equal(await text(cache.getRange(key, 0, 20)), 'abcdefghij', 'a range from 0 that came back short was the whole blob');
    assert.deepEqual(reads, [`range ${key} 0-4`, `get ${key}`]);
  });

  it('hands what it holds over as bytes, without a stream, and says null for what it does not hold', async () => {
    const { cache, inner, reads } = await counted();
    const [whole, prefix] = [newBlobKey(), newBlobKey()];
    await inner.put(whole, Buffer.from('0123456789'));
    await inner.put(prefix, Buffer.from('abcdefghij'));
    assert.equal(cache.fromMemory(whole), null, 'not read yet');
    await text(cache.get(whole));
    await text(cache.getRange(prefix, 0, 4));
    assert.equal(cache.fromMemory(whole)?.toString(), '0123456789');
    assert.equal(cache.fromMemory(whole, 3, 6)?.toString(), '345');
    assert.equal(cache.fromMemory(whole, 8, 50)?.toString(), '89');
    assert.equal(cache.fromMemory(prefix, 1, 3)?.toString(), 'bc', 'a range inside the prefix');
    assert.equal(cache.fromMemory(prefix, 2, 8), null, 'past the prefix: not held');
    assert.equal(cache.fromMemory(prefix), null, 'the whole of a blob held as a prefix: not held');
    assert.deepEqual(reads, [`get ${whole}`, `range ${prefix} 0-4`]);
    assert.equal(inner.fromMemory(whole), null, 'a store that keeps nothing in memory');
  });

  it('passes large bodies through, evicts the least recently used past its budget, forgets deleted blobs', async () => {
    const { cache, inner, reads } = await counted({ maxBytes: 30, maxEntryBytes: 12 });
    const [a, b, c, big] = [newBlobKey(), newBlobKey(), newBlobKey(), newBlobKey()];
    for (const k of [a, b, c]) await inner.put(k, Buffer.from('x'.repeat(12)));
    await inner.put(big, Buffer.from('y'.repeat(13)));
    await text(cache.get(big));
    await text(cache.get(big));
    assert.equal(reads.filter((r) => r.includes(big)).length, 2, 'over the entry limit: never held');
    await text(cache.get(a));
    await text(cache.get(b));
    await text(cache.get(a)); // a is now the most recent
    await text(cache.get(c)); // 36 bytes > 30: b goes
    assert.equal(cache.size, 24);
    reads.length = 0;
    await text(cache.get(a));
    await text(cache.get(b));
    assert.deepEqual(reads, [`get ${b}`]);
    await cache.delete(a);
    await assert.rejects(cache.get(a), BlobNotFoundError);
  });

  it('keeps nothing of a read its caller abandons', async () => {
    const { cache, inner, reads } = await counted({ maxBytes: 10_000_000, maxEntryBytes: 10_000_000 });
    const key = newBlobKey();
    await inner.put(key, Buffer.alloc(3_000_000, 1));
    const stream = await cache.get(key);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(cache.size, 0);
    assert.equal((await readAll(await cache.get(key))).length, 3_000_000);
    assert.equal(reads.length, 2);
  });
});
