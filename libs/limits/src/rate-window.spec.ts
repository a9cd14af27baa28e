import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateWindow } from './rate-window.js';
import { TokenBucket } from './token-bucket.js';

describe('RateWindow', () => {
  it('allows up to the limit per window and forgets as the window slides', () => {
    let t = 0;
    const w = new RateWindow(60_000, () => t);
    for (let i = 0; i < 10; i++) assert.ok(w.tryAdd('a', 10));
    assert.equal(w.tryAdd('a', 10), false);
    assert.ok(w.tryAdd('b', 10), 'keys are separate');
    t = 60_000 + 30_000; // half of the previous window still counts: 5
    assert.ok(w.tryAdd('a', 10, 5));
    assert.equal(w.tryAdd('a', 10), false);
    t = 200_000;
    assert.ok(w.tryAdd('a', 10, 10));
  });

  it('keeps at most maxKeys keys', () => {
    const w = new RateWindow(60_000, () => 0, 3);
    for (const k of ['a', 'b', 'c', 'd']) w.tryAdd(k, 1);
    assert.equal(w.peek('a'), 1, 'the oldest key was dropped');
    assert.equal(w.peek('d'), 2);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then paces to the rate', () => {
    let t = 0;
    const b = new TokenBucket(10, 3, () => t);
    assert.deepEqual([b.take(), b.take(), b.take()], [0, 0, 0]);
    assert.equal(b.take(), 100);
    t = 1000;
    assert.equal(b.take(), 0);
  });
});
