import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoizeWithTtl } from './ttl-memo.js';

describe('memoizeWithTtl', () => {
  it('reuses an outcome per key for the TTL, shares concurrent calls, and keeps only what it may', async () => {
    let clock = 0;
    const calls: string[] = [];
    const fn = async (who: string) => {
      calls.push(who);
      return who === 'flaky' ? 'temperror' : `ok ${who}`;
    };
    const m = memoizeWithTtl(fn, { key: (w) => w, ttlMs: 1000, maxEntries: 2, keepValue: (v) => v !== 'temperror', now: () => clock });
    assert.deepEqual(await Promise.all([m('a'), m('a')]), ['ok a', 'ok a']);
    await m('a');
    assert.deepEqual(calls, ['a'], 'one call for concurrent and later callers');
    await m('flaky');
    await m('flaky');
    assert.deepEqual(calls, ['a', 'flaky', 'flaky'], 'an outcome it may not keep is asked again');
    clock = 1001;
    await m('a');
    assert.equal(calls.filter((c) => c === 'a').length, 2, 'asked again after the TTL');
    await m('b');
    await m('c');
    await m('a');
    assert.equal(calls.filter((c) => c === 'a').length, 3, 'the oldest entry went past maxEntries');
  });

  it('reuses a failure only when told to', async () => {
    let n = 0;
    const fn = async (code: string) => {
      n++;
      throw Object.assign(new Error(code), { code });
    };
    const m = memoizeWithTtl(fn, { key: (c) => c, ttlMs: 1000, maxEntries: 10, keepError: (e) => (e as { code: string }).code === 'ENOTFOUND' });
    await assert.rejects(m('ENOTFOUND'));
    await assert.rejects(m('ENOTFOUND'));
    await assert.rejects(m('ETIMEOUT'));
    await assert.rejects(m('ETIMEOUT'));
    assert.equal(n, 3);
  });
});
