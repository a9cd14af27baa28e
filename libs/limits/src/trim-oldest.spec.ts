import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimOldest } from './trim-oldest.js';

describe('trimOldest', () => {
  it('drops the first-inserted entries down to max, and nothing when within it', () => {
    const m = new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
    trimOldest(m, 4);
    assert.deepEqual([...m.keys()], ['a', 'b', 'c', 'd']);
    trimOldest(m, 2);
    assert.deepEqual([...m.keys()], ['c', 'd']);
    m.delete('c');
    m.set('c', 5); // re-set: now the newest
    trimOldest(m, 1);
    assert.deepEqual([...m.entries()], [['c', 5]]);
    trimOldest(m, 0);
    assert.equal(m.size, 0);
  });
});
