import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runMigrations, scratchPglite, type Database } from '@mail/db';
import { directoryMigrations } from './migrations/001-directory.js';
import { PgLoginThrottleStore } from './pg-login-throttle.store.js';

describe('PgLoginThrottleStore', () => {
  let db: Database;
  let drop: () => Promise<void>;
  before(async () => {
    ({ db, drop } = await scratchPglite());
    await runMigrations(db, 'directory', directoryMigrations);
  });
  after(() => drop());

  it('adds an attempt to every counter at once (a key named twice counts twice) and starts a new window once one ends', async () => {
    const store = new PgLoginThrottleStore(db);
    const t0 = new Date('2026-12-07T10:00:00Z');
    assert.deepEqual(await store.step([{ key: 'user:b', by: 1 }, { key: 'ip:a', by: 1 }, { key: 'user:b', by: 2 }], 60_000, t0), new Map([['ip:a', 1], ['user:b', 3]]));
    assert.deepEqual(await store.step([{ key: 'ip:a', by: 1 }], 60_000, new Date(t0.getTime() + 30_000)), new Map([['ip:a', 2]]));
    assert.deepEqual(await store.step([{ key: 'ip:a', by: 1 }, { key: 'user:b', by: 1 }], 60_000, new Date(t0.getTime() + 61_000)), new Map([['ip:a', 1], ['user:b', 1]]));
  });
});
