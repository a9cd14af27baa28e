import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { InProcessBus } from '@mail/bus';
import { MAX_TRACKED_STEPS, MessageTracked, type EventOf } from '@mail/contracts';
import { createLogger } from '@mail/telemetry';
import { Tracker } from './tracking.js';

async function tracked() {
  const bus = new InProcessBus({ service: 'tracking-test' });
  const published: Array<EventOf<typeof MessageTracked>> = [];
  await bus.subscribe(MessageTracked, (e) => void published.push(e));
  return { tracker: new Tracker(bus, createLogger('test', 'silent')), published };
}

const message = { queueId: 'q1', messageId: '<m@x>', sender: 's@x' };

describe('Tracker', () => {
  it('publishes the steps of one turn together, in order, and the next turn apart', async () => {
    const { tracker, published } = await tracked();
    tracker.track('queued', message, 'a@x');
    tracker.track('queued', message, 'b@x');
    tracker.track('delivered', message, 'a@x', 'x'.repeat(2000));
    assert.equal(published.length, 0, 'nothing goes out before the turn ends');
    await turn();
    await turn();
    tracker.track('bounced', message, 'b@x', '550 no');
    await turn();
    await turn();
    assert.equal(published.length, 2);
    assert.deepEqual(published[0].steps.map((s) => [s.event, s.recipient]), [['queued', 'a@x'], ['queued', 'b@x'], ['delivered', 'a@x']]);
    assert.equal(published[0].steps[2].detail?.length, 1000);
    assert.equal(published[1].steps[0].event, 'bounced');
  });

  it('never puts more than the contract allows in one event', async () => {
    const { tracker, published } = await tracked();
    for (let i = 0; i < MAX_TRACKED_STEPS * 2 + 5; i++) tracker.track('queued', message, `r${i}@x`);
    await turn();
    await turn();
    assert.deepEqual(published.map((e) => e.steps.length), [MAX_TRACKED_STEPS, MAX_TRACKED_STEPS, 5]);
  });
});
