import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractError } from '@mail/contracts';
import type { Bus } from '@mail/bus';
import type { Logger } from '@mail/telemetry';
import { ChangePublisher, type MailboxChange } from './change-publisher.js';

const change = (n: number): MailboxChange => ({
  accountId: `00000000-0000-4000-8000-00000000000${n}`,
  mailboxId: `10000000-0000-4000-8000-00000000000${n}`,
  mailbox: 'INBOX',
  kind: 'appended',
  uids: [n],
  modseq: n,
});

/** A bus whose publishes stay pending until released, recording the order they were made in. */
function holdingBus(fail?: (n: number) => boolean) {
  const made: number[] = [];
  const release: Array<() => void> = [];
  const bus = {
    publish: (_contract: unknown, payload: MailboxChange) => {
      const n = payload.uids[0]!;
      made.push(n);
      if (fail?.(n)) return Promise.reject(new Error(`publish ${n} failed`));
      return new Promise<void>((resolve) => release.push(resolve));
    },
  } as unknown as Bus;
  return { bus, made, release };
}

/**
 * A bus that records, in order, what was published and when the flush was asked and answered; a
 * `turn` marker is recorded by the first promise job after the publish began, so a flush asked
 * before it was asked in the publish's own turn (one write with the events on NATS, ADR 0080).
 */
function recordingBus(order: string[], ping: () => Promise<void> = async () => undefined): Bus {
  return {
    publish: async (_c: unknown, payload: MailboxChange) => void order.push(`published ${payload.uids[0]}`),
    ping: async () => {
      order.push('flush asked');
      await ping();
      await new Promise((resolve) => setImmediate(resolve));
      order.push('flushed');
    },
  } as unknown as Bus;
}

describe('ChangePublisher', () => {
  it('makes every publish of a batch at once, in order, before any of them is answered (one socket write for NATS)', async () => {
    const { bus, made, release } = holdingBus();
    const warned: unknown[] = [];
    const publisher = new ChangePublisher(bus, { warn: (o: unknown) => warned.push(o) } as unknown as Logger);
    let done = false;
    const p = publisher.publish([change(1), change(2), change(3)]).then(() => (done = true));
    // nothing has been answered yet: an await between publishes would have made only the first
    assert.deepEqual(made, [1, 2, 3]);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'waits for every publish');
    for (const r of release) r();
    await p;
    assert.equal(done, true);
    assert.deepEqual(warned, []);
  });

  it('a failed publish is logged and does not stop the others', async () => {
    const { bus, made, release } = holdingBus((n) => n === 2);
    const warned: Array<{ mailboxId?: string }> = [];
    const publisher = new ChangePublisher(bus, { warn: (o: { mailboxId?: string }) => warned.push(o) } as unknown as Logger);
    const p = publisher.publish([change(1), change(2), change(3)]);
    assert.deepEqual(made, [1, 2, 3]);
    for (const r of release) r();
    await p;
    assert.deepEqual(
      warned.map((w) => w.mailboxId),
      [change(2).mailboxId],
    );
  });

  it("flushes in the events' own turn and resolves only once the bus has them, when it answers clients itself (ADR 0074, 0080)", async () => {
    const order: string[] = [];
    const events = new ChangePublisher(recordingBus(order), { warn: () => undefined } as never, true);
    const done = events.publish([change(7), change(8)]).then(() => order.push('answered'));
    queueMicrotask(() => order.push('turn'));
    await done;
    assert.deepEqual(order, ['published 7', 'published 8', 'flush asked', 'turn', 'flushed', 'answered']);
    // nothing published, nothing to flush (a STORE that changed nothing)
    order.length = 0;
    await events.publish([]);
    assert.deepEqual(order, []);
  });

  it('answers a committed change even when the flush fails, and says so in the log', async () => {
    const order: string[] = [];
    const warned: unknown[] = [];
    const bus = recordingBus(order, async () => {
      throw new ContractError('UNAVAILABLE', 'NATS connection closed');
    });
    const events = new ChangePublisher(bus, { warn: (o: unknown) => warned.push(o) } as never, true);
    await events.publish([change(9)]);
    assert.deepEqual(order, ['published 9', 'flush asked']);
    assert.equal(warned.length, 1);
  });

  it("does not flush in the store's own process (its reply follows the event on one connection)", async () => {
    const order: string[] = [];
    const events = new ChangePublisher(recordingBus(order), { warn: () => undefined } as never);
    await events.publish([change(7)]);
    assert.deepEqual(order, ['published 7']);
  });
});
