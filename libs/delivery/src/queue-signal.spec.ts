import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueSignal } from './queue-signal.js';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('QueueSignal', () => {
  it('wakes one waiting worker per notify, not all of them', async () => {
    const s = new QueueSignal();
    const a = s.wait(10_000);
    const b = s.wait(10_000);
    s.notify();
    assert.equal(await settled(a), true);
    assert.equal(await settled(b), false);
    s.notifyAll();
    assert.equal(await settled(b), true);
  });

  it('keeps a notify that found nobody waiting for the next wait', async () => {
    const s = new QueueSignal();
    s.notify();
    assert.equal(await settled(s.wait(10_000)), true);
    const later = s.wait(10_000);
    assert.equal(await settled(later), false, 'only once');
    s.notifyAll();
    await later;
  });

  it('lets a woken worker gather: enqueues meanwhile wake nobody else, afterwards they do', async () => {
    // a window long enough that no scheduling stall of a loaded machine outlasts it before the first
    // check (30 ms did: CI at load 30 saw the window end before setImmediate ran)
    const windowMs = 1_000;
    const s = new QueueSignal(windowMs);
    const a = s.wait(10_000);
    const b = s.wait(10_000);
    s.notify();
    assert.equal(await settled(a), false, 'the woken worker waits out the gathering window');
    s.notify();
    s.notify();
    await a;
    assert.equal(await settled(b), false, 'the notifies during the window went to the gatherer');
    s.notify();
    // set after b's gathering timer, so it fires after it whatever the load
    await new Promise((r) => setTimeout(r, windowMs + 10));
    assert.equal(await settled(b), true);
  });

  it('tells one caller that the database holds new work, and not for a hand-off', () => {
    const s = new QueueSignal();
    assert.equal(s.takeDatabaseWork(), true, 'at the start: nobody has looked yet');
    assert.equal(s.takeDatabaseWork(), false);
    s.notify(false);
    assert.equal(s.takeDatabaseWork(), false, 'a hand-off is in memory');
    s.notify();
    assert.equal(s.takeDatabaseWork(), true);
    assert.equal(s.takeDatabaseWork(), false, 'only once');
    s.notifyAll();
  });

  it('ends a wait after its timeout', async () => {
    const s = new QueueSignal();
    const t0 = Date.now();
    await s.wait(20);
    assert.ok(Date.now() - t0 >= 15);
  });
});
