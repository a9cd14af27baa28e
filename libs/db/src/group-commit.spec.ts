import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from './group-commit.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('writes a lone item at once, and gathers the items that arrive while a write is in flight', async () => {
    const writes: number[][] = [];
    let release: (() => void) | undefined;
    const g = new GroupCommit<number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = g.add(1);
    await tick();
    assert.deepEqual(writes, [[1]], 'no waiting for company');
    const rest = [g.add(2), g.add(3), g.add(4)];
    await tick();
    assert.equal(writes.length, 1, 'the others wait for the write in flight');
    release!();
    await Promise.all([first, ...rest]);
    assert.deepEqual(writes, [[1], [2, 3, 4]]);
  });

  it('caps a batch', async () => {
    const writes: number[][] = [];
    const g = new GroupCommit<number>(async (items) => void writes.push(items), 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => g.add(n)));
    assert.deepEqual(writes, [[1], [2, 3], [4, 5]]);
  });

  it('retries the items of a failed batch one by one, so that only the bad item fails', async () => {
    const written: number[] = [];
    let hold: (() => void) | undefined;
    const g = new GroupCommit<number>(async (items) => {
      if (items.length === 1 && items[0] === 0) await new Promise<void>((r) => (hold = r));
      if (items.includes(13)) throw new Error(`bad item in ${items.join(',')}`);
      written.push(...items);
    });
    const first = g.add(0);
    await tick();
    const results = Promise.allSettled([g.add(12), g.add(13), g.add(14)]);
    hold!();
    await first;
    const settled = await results;
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(written.sort((a, b) => a - b), [0, 12, 14]);
  });

  it("answers each caller its own item's result, in a batch and in the one-by-one retry", async () => {
    let hold: (() => void) | undefined;
    const g = new GroupCommit<number, string>(async (items) => {
      if (items[0] % 10 === 0) await new Promise<void>((r) => (hold = r));
      if (items.length > 1 && items.includes(13)) throw new Error('bad batch');
      return items.map((n) => `seen ${n}`);
    });
    const first = g.add(0);
    await tick();
    const batched = Promise.all([g.add(1), g.add(2)]);
    hold!();
    assert.equal(await first, 'seen 0');
    assert.deepEqual(await batched, ['seen 1', 'seen 2']);
    const held = g.add(10);
    await tick();
    const retried = Promise.all([g.add(12), g.add(13)]);
    hold!();
    assert.equal(await held, 'seen 10');
    assert.deepEqual(await retried, ['seen 12', 'seen 13']);
  });
});

describe('GroupCommit with gatherTurn (ADR 0071)', () => {
  it('callers of the same turn share the first write; a later lone caller still goes', async () => {
    const writes: number[][] = [];
    const g = new GroupCommit<number, number>(async (items) => (writes.push(items), items), 100, true);
    const answers = await Promise.all([g.add(1), g.add(2), g.add(3)]);
    assert.deepEqual(answers, [1, 2, 3]);
    assert.deepEqual(writes, [[1, 2, 3]], 'one write, not a lone first one');
    await g.add(4);
    assert.deepEqual(writes, [[1, 2, 3], [4]]);
  });
});
