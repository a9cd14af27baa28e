import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keptFlags } from './copy-mailbox.js';
import { bodyGroups, nextUidWindow } from './uid-window.js';
import { MessagePacer } from '../message-pacer.js';

describe('nextUidWindow', () => {
  it('grows through sparse UIDs and shrinks when a window comes back too full', () => {
    assert.equal(nextUidWindow(800, 0, 800), 6400);
    assert.equal(nextUidWindow(800, 800, 800), 800);
    assert.ok(nextUidWindow(800, 10, 800) > 800);
    assert.equal(nextUidWindow(800, 5000, 800), 800);
    assert.equal(nextUidWindow(6400, 5000, 800), 3200);
    assert.ok(nextUidWindow(1 << 22, 0, 800) <= 1 << 22);
  });
});

describe('bodyGroups', () => {
  it('bounds each FETCH by count and bytes, and streams the large ones alone', () => {
    const sizes = [10, 10, 10, 50, 10, 200, 10];
    const groups = bodyGroups(
      sizes.map((size, uid) => ({ uid, size })),
      { maxCount: 2, maxBytes: 60, largeBytes: 100 },
    );
    assert.deepEqual(
      groups.map((g) => [g.large, g.items.map((i) => i.uid)]),
      [
        [false, [0, 1]],
        [false, [2, 3]],
        [false, [4]],
        [true, [5]],
        [false, [6]],
      ],
    );
  });
});

describe('keptFlags', () => {
  it('drops \\Recent and unknown system flags, canonicalises the others, keeps keywords', () => {
    assert.deepEqual(keptFlags(['\\SEEN', '\\Recent', '\\answered', '$Label1', 'Project X', '\\Custom', 'Work']), ['\\Seen', '\\Answered', '$Label1', 'Work']);
  });
});

describe('MessagePacer', () => {
  it('spreads chunks over time at the rate, the first one at once', async () => {
    let now = 0;
    const waits: number[] = [];
    const pacer = new MessagePacer(10, () => now, async (ms) => {
      waits.push(ms);
      now += ms;
    });
    await pacer.take(20);
    await pacer.take(5);
    now += 10_000;
    await pacer.take(5);
    assert.deepEqual(waits, [2000]);
  });
});
