import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DestinationLimiter } from './destination-limiter.js';

describe('DestinationLimiter', () => {
  it('lets at most `limit` run per destination, in arrival order, and others through at once', async () => {
    const limiter = new DestinationLimiter(2);
    const releases: Array<() => void> = [];
    const started: string[] = [];
    const job = (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        releases.push(() => resolve(name));
      });
    const runs = [limiter.run('a.test', job('a1')), limiter.run('a.test', job('a2')), limiter.run('a.test', job('a3')), limiter.run('b.test', job('b1'))];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'a2', 'b1']);
    assert.equal(limiter.active('a.test'), 2);
    releases[0]();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3']);
    for (const r of releases.slice(1)) r();
    assert.deepEqual(await Promise.all(runs), ['a1', 'a2', 'a3', 'b1']);
    assert.equal(limiter.active('a.test'), 0);
  });

  it('frees the slot when the delivery fails', async () => {
    const limiter = new DestinationLimiter(1);
    await assert.rejects(limiter.run('a.test', async () => Promise.reject(new Error('refused'))), /refused/);
    assert.equal(await limiter.run('a.test', async () => 'next'), 'next');
  });
});
