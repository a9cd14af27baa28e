import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newSecretKey, parseSecretKey, SecretBox, SecretBoxError } from './secret-box.js';
import { secretBoxFromEnv } from './secret-box-from-env.js';

describe('SecretBox', () => {
  it('opens what it sealed, and seals the same text differently each time', () => {
    const box = new SecretBox([newSecretKey()]);
    const text = 'smart-host pässword ✓ '.repeat(50);
    const a = box.seal(text);
    const b = box.seal(text);
    assert.notEqual(a, b);
    assert.equal(box.open(a), text);
    assert.ok(!a.includes('smart-host'));
  });

  it('refuses altered values, other keys and garbage with a SecretBoxError', () => {
    const box = new SecretBox([newSecretKey()]);
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4], 'base64url');
    flipped[0] ^= 1;
    const altered = [...parts.slice(0, 4), flipped.toString('base64url')].join('.');
    assert.throws(() => box.open(altered), SecretBoxError);
    assert.throws(() => new SecretBox([newSecretKey()]).open(sealed), /key this service does not have/);
    for (const junk of ['', 'secret', 's1....', 's2.a.b.c.d', `${parts.slice(0, 3).join('.')}.AA.${parts[4]}`]) assert.throws(() => box.open(junk), SecretBoxError, junk);
  });

  it('rotates: a box with the new key first still opens values sealed under the old one', () => {
    const oldKey = newSecretKey();
    const sealedOld = new SecretBox([oldKey]).seal('kept');
    const rotated = new SecretBox([newSecretKey(), oldKey]);
    assert.equal(rotated.open(sealedOld), 'kept');
    assert.equal(rotated.isStale(sealedOld), true);
    assert.equal(rotated.isStale(rotated.seal('new')), false);
  });

  it('reads keys in base64, base64url and hex, and names a bad one', () => {
    const key = newSecretKey();
    for (const text of [key.toString('base64'), key.toString('base64url'), key.toString('hex'), ` ${key.toString('base64')}\n`]) assert.deepEqual(parseSecretKey(text), key);
    assert.throws(() => parseSecretKey('short'), /SECRETS_KEY must be 32 random bytes/);
  });
});

describe('secretBoxFromEnv', () => {
  it('uses SECRETS_KEY and the previous keys', async () => {
    const oldKey = newSecretKey();
    const sealedOld = new SecretBox([oldKey]).seal('v');
    const box = await secretBoxFromEnv({ key: newSecretKey().toString('base64'), previousKeys: ` ${oldKey.toString('hex')} ` });
    assert.equal(box.open(sealedOld), 'v');
  });

  it('embedded: generates DATA_DIR/secrets.key once (0600) and keeps using it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secrets-'));
    try {
      const [first, second] = await Promise.all([secretBoxFromEnv({ dataDir: dir }), secretBoxFromEnv({ dataDir: dir })]);
      assert.equal(second.open(first.seal('same key')), 'same key');
      const third = await secretBoxFromEnv({ dataDir: dir });
      assert.equal(third.open(first.seal('after restart')), 'after restart');
      assert.equal((await stat(join(dir, 'secrets.key'))).mode & 0o777, 0o600);
      assert.equal(parseSecretKey(await readFile(join(dir, 'secrets.key'), 'utf8')).length, 32);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('distributed without SECRETS_KEY: a clear error', async () => {
    await assert.rejects(secretBoxFromEnv({}), /SECRETS_KEY is required/);
  });
});
