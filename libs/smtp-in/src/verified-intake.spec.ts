import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '@mail/blob';
import { holdWhileVerifying } from './verified-intake.js';

describe('holdWhileVerifying', () => {
  let dir: string;
  let blobs: FsBlobStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hold-'));
    blobs = new FsBlobStore(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const source = (parts: Buffer[]) => {
    const s = new PassThrough();
    (async () => {
      for (const p of parts) if (!s.write(p)) await new Promise((r) => s.once('drain', r));
      s.end();
    })();
    return s;
  };
  const digest = async (body: Readable) => (await buffer(body)).length;
  const parts = (n: number, size: number) => Array.from({ length: n }, (_, i) => Buffer.alloc(size, 97 + (i % 26)));
  const files = async () => (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.spool'));

  it('keeps a small body in memory and gives the verifier every byte', async () => {
    const input = parts(3, 1000);
    const r = await holdWhileVerifying(source(input), { blobs, spoolKey: 'a.spool', maxBytes: 10_000, holdBytes: 4096, verify: digest });
    assert.ok(r.ok);
    assert.equal(r.verdict, 3000);
    assert.equal(r.body.where, 'memory');
    assert.deepEqual(await buffer(await r.body.read()), Buffer.concat(input));
  });

  it('spools a body past the memory bound to the blob store, byte-exact, and releases it', async () => {
    const input = parts(40, 64 * 1024);
    const r = await holdWhileVerifying(source(input), { blobs, spoolKey: 'b.spool', maxBytes: 10 * 1024 * 1024, holdBytes: 100_000, verify: digest });
    assert.ok(r.ok);
    assert.equal(r.verdict, 40 * 64 * 1024);
    assert.equal(r.body.where, 'spool');
    assert.deepEqual(await buffer(await r.body.read()), Buffer.concat(input));
    await r.body.release();
    assert.deepEqual(await files(), []);
  });

  it('refuses a body over the size limit, reads the source to its end and leaves no spool', async () => {
    const s = source(parts(30, 64 * 1024));
    const r = await holdWhileVerifying(s, { blobs, spoolKey: 'c.spool', maxBytes: 1024 * 1024, holdBytes: 100_000, verify: digest });
    assert.deepEqual(r, { ok: false, reason: 'too-large' });
    assert.equal(s.readableEnded, true);
    assert.deepEqual(await files(), []);
  });

  it('reports a client that went away mid-message', async () => {
    const s = new PassThrough();
    const pending = holdWhileVerifying(s, { blobs, spoolKey: 'd.spool', maxBytes: 1024 * 1024, holdBytes: 10, verify: digest });
    s.write(Buffer.alloc(100));
    s.destroy();
    const r = await pending;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'store-failed');
    assert.deepEqual(await files(), []);
  });
});
