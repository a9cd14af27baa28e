import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { watchTlsFiles } from './tls-reload.js';

const pair = async (cn: string) => {
  const p = await generate([{ name: 'commonName', value: cn }], { keySize: 2048, algorithm: 'sha256' } as never);
  return { key: p.private, cert: p.cert };
};

/** resolves when `check` holds, polling every 20 ms for up to 5 s */
async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(check(), what);
}

describe('watchTlsFiles', () => {
  it('hands over a renewed pair, and keeps a key that does not match its certificate out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tls-reload-'));
    const certFile = join(dir, 'c.pem');
    const keyFile = join(dir, 'k.pem');
    const [a, b] = [await pair('a.test'), await pair('b.test')];
    await writeFile(certFile, a.cert);
    await writeFile(keyFile, a.key);
    const changes: Array<{ key: string; cert: string }> = [];
    const errors: Error[] = [];
    const watch = watchTlsFiles({ certFile, keyFile, intervalMs: 50 }, (m) => changes.push(m), (e) => errors.push(e));
    try {
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(changes.length, 0, 'the pair loaded at start is not a change');
      // half-way through a renewal: the new certificate, the old key
      await writeFile(certFile, b.cert);
      await until(() => errors.length > 0, 'the mismatched pair was reported');
      assert.equal(changes.length, 0);
      await writeFile(keyFile, b.key);
      await until(() => changes.length === 1, 'the complete renewed pair was handed over');
      assert.deepEqual(changes[0], b);
    } finally {
      watch.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
