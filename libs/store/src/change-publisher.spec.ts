import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
