import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSettings } from './settings.js';

describe('loadSettings', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailctl-settings-'));
    await writeFile(join(dir, 'admin.token'), 'from-the-file-0123456789\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes MAILCTL_TOKEN first', async () => {
    const s = await loadSettings({ MAILCTL_TOKEN: ' mailctl-token ', ADMIN_TOKEN: 'admin-token', DATA_DIR: dir });
    assert.deepEqual([s.token, s.tokenSource], ['mailctl-token', 'MAILCTL_TOKEN']);
  });

  it('falls back to ADMIN_TOKEN when MAILCTL_TOKEN is unset or blank', async () => {
    for (const env of [{ ADMIN_TOKEN: 'admin-token', DATA_DIR: dir }, { MAILCTL_TOKEN: '  ', ADMIN_TOKEN: 'admin-token', DATA_DIR: dir }]) {
      const s = await loadSettings(env);
      assert.deepEqual([s.token, s.tokenSource], ['admin-token', 'ADMIN_TOKEN']);
    }
  });

  it('reads the token file when neither variable is set', async () => {
    const s = await loadSettings({ DATA_DIR: dir, MAILCTL_URL: 'http://h:1/' });
    assert.deepEqual([s.url, s.token, s.tokenSource], ['http://h:1', 'from-the-file-0123456789', join(dir, 'admin.token')]);
  });

  it('says where it looked when there is no token at all', async () => {
    const s = await loadSettings({ DATA_DIR: join(dir, 'missing') });
    assert.equal(s.token, undefined);
    assert.equal(s.tokenSource, join(dir, 'missing', 'admin.token'));
  });
});
