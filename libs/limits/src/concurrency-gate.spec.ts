import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcurrencyGate, GateFullError } from './concurrency-gate.js';

describe('ConcurrencyGate', () => {
  it('runs at most `concurrency` tasks, queues `queue` more and refuses the rest at once', async () => {
    const gate = new ConcurrencyGate({ concurrency: 2, queue: 3, name: 'hash' });
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const task = () =>
      new Promise<number>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        releases.push(() => {
          running--;
          resolve(1);
        });
      });
    const results = Array.from({ length: 8 }, () => gate.run(task).then(() => 'done', (e: unknown) => (e instanceof GateFullError ? 'full' : 'other')));
    await new Promise((r) => setImmediate(r));
    assert.equal(gate.active, 2);
    assert.equal(gate.queued, 3);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual((await Promise.all(results)).sort(), ['done', 'done', 'done', 'done', 'done', 'full', 'full', 'full']);
    assert.equal(peak, 2);
    assert.equal(gate.active, 0);
  });

  it('frees the slot when a task fails', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, queue: 0, name: 'x' });
    await assert.rejects(gate.run(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await gate.run(async () => 7), 7);
  });

  it('keeps one key from holding more than its share', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, queue: 10, name: 'hash', perKey: 2 });
    let release!: () => void;
    const blocker = new Promise<void>((r) => (release = r));
    const a1 = gate.run(() => blocker, 'flooder');
    const a2 = gate.run(async () => 'second', 'flooder');
    await assert.rejects(gate.run(async () => 'third', 'flooder'), GateFullError);
    const honest = gate.run(async () => 'honest', 'someone else');
    release();
    await a1;
    assert.equal(await a2, 'second');
    assert.equal(await honest, 'honest');
    assert.equal(await gate.run(async () => 'again', 'flooder'), 'again');
  });
});
