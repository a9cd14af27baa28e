import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnBatch } from './turn-batch.js';

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
const unexpected = (err: unknown) => assert.fail(`unexpected error: ${String(err)}`);

describe('TurnBatch', () => {
  it('holds sends until the turn ends, then runs them in the order given', async () => {
    const batch = new TurnBatch();
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) batch.add(() => ran.push(i), unexpected);
    await Promise.resolve();
    assert.deepEqual(ran, [], 'nothing runs within the turn, microtasks included');
    await endOfTurn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4]);
  });

  it('gives a failing send to its own error handler and still runs the others', async () => {
    const batch = new TurnBatch();
    const ran: string[] = [];
    const errors: unknown[] = [];
    batch.add(() => ran.push('a'), unexpected);
    batch.add(() => {
      throw new Error('too large');
    }, (err) => errors.push(err));
    batch.add(() => ran.push('c'), unexpected);
    await endOfTurn();
    assert.deepEqual(ran, ['a', 'c']);
    assert.equal((errors[0] as Error).message, 'too large');
  });

  it('runs what is held at once on flush (closing), and never twice', async () => {
    const batch = new TurnBatch();
    let runs = 0;
    batch.add(() => runs++, unexpected);
    batch.flush();
    assert.equal(runs, 1);
    await endOfTurn();
    assert.equal(runs, 1);
  });

  it('a send added while the batch runs goes in the next turn, not lost', async () => {
    const batch = new TurnBatch();
    const ran: string[] = [];
    batch.add(() => {
      ran.push('first');
      batch.add(() => ran.push('added meanwhile'), unexpected);
    }, unexpected);
    await endOfTurn();
    assert.deepEqual(ran, ['first']);
    await endOfTurn();
    assert.deepEqual(ran, ['first', 'added meanwhile']);
  });
});
