import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Handoff } from './handoff.js';
import { LeaseKeeper } from './lease-keeper.js';

/** a keeper whose database renews whatever it is asked to */
const keeper = (leaseMs: number) => new LeaseKeeper({ renewHeld: async (held) => held.map((h) => h.id) }, leaseMs);

const entry = (id: string, recipients = 1) => ({
  message: { id, blobKey: `msg/${id}`, size: 1, mailFrom: '', messageId: null, subject: null, receivedAt: new Date(), source: { protocol: 'smtp' as const }, traceparent: null, index: null },
  recipients: Array.from({ length: recipients }, (_, i) => ({ id: `${id}-${i}`, messageId: id, address: `r${i}@example.com`, attempts: 1 })),
});

describe('Handoff', () => {
  it('takes nothing until the workers start, and nothing after they stop', () => {
    const h = new Handoff('me', keeper(60_000), 10);
    assert.equal(h.reserve(1), false);
    h.open();
    assert.equal(h.reserve(1), true);
    assert.equal(h.push(entry('a'), performance.now()), true);
    assert.equal(h.reserve(1), true);
    assert.deepEqual(h.close().map((e) => e.message.id), ['a'], 'close returns what is held, for release');
    assert.equal(h.push(entry('b'), performance.now()), false, 'a push after close must be released by its caller');
    assert.equal(h.reserve(1), false);
  });

  it('counts reservations against its capacity until they are pushed or cancelled', () => {
    const h = new Handoff('me', keeper(60_000), 3);
    h.open();
    assert.equal(h.reserve(2), true);
    assert.equal(h.reserve(2), false, 'in-flight inserts count');
    h.cancel(2);
    assert.equal(h.reserve(3), true);
    h.push(entry('a', 3), performance.now());
    assert.equal(h.reserve(1), false, 'held recipients count');
    h.take(10);
    assert.equal(h.reserve(1), true);
  });

  it('hands out whole messages up to a recipient budget, oldest first, at least one', () => {
    const h = new Handoff('me', keeper(60_000), 100);
    h.open();
    for (const [id, n] of [['a', 3], ['b', 2], ['c', 4]] as const) {
      h.reserve(n);
      h.push(entry(id, n), performance.now());
    }
    assert.deepEqual(h.take(5).map((e) => e.message.id), ['a', 'b']);
    assert.deepEqual(h.take(1).map((e) => e.message.id), ['c'], 'a message larger than the budget still goes, alone');
    assert.deepEqual(h.take(5), []);
  });

  it('leaves an entry whose lease may have run out to the database claim', () => {
    const h = new Handoff('me', keeper(1000), 100, 100);
    h.open();
    h.reserve(1);
    h.push(entry('old'), performance.now() - 950);
    h.reserve(1);
    h.push(entry('new'), performance.now());
    assert.deepEqual(h.take(10).map((e) => e.message.id), ['new']);
    assert.equal(h.reserve(100), true, 'the dropped entry no longer counts');
  });

  it('keeps an entry held past its first lease while the keeper renews it, and lets go what was taken over', async () => {
    let takenOver = new Set<string>();
    const k = new LeaseKeeper({ renewHeld: async (held) => held.filter((x) => !takenOver.has(x.id)).map((x) => x.id) }, 1000);
    const h = new Handoff('me', k, 100, 100);
    h.open();
    h.reserve(2);
    h.push(entry('kept', 2), performance.now() - 950);
    h.reserve(1);
    h.push(entry('lost'), performance.now() - 950);
    takenOver = new Set(['lost-0', 'kept-1']);
    await k.renewNow();
    const out = h.take(10);
    assert.deepEqual(out.map((e) => e.message.id), ['kept']);
    assert.deepEqual(out[0].recipients.map((r) => r.id), ['kept-0'], 'a recipient another worker claimed is not worked on twice');
    assert.equal(k.size, 1, 'the dropped entry is no longer renewed');
  });

  it('close stops renewing what it hands back', () => {
    const k = keeper(60_000);
    const h = new Handoff('me', k, 10);
    h.open();
    h.reserve(1);
    h.push(entry('a'), performance.now());
    assert.equal(k.size, 1);
    h.close();
    assert.equal(k.size, 0);
  });
});
