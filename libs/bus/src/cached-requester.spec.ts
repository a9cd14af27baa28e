import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ContractError, defineEvent, defineRequest } from '@mail/contracts';
import { CachedRequester } from './cached-requester.js';
import { InProcessBus } from './in-process-bus.js';

const Lookup = defineRequest('test.lookup.v1', z.object({ key: z.string() }), z.object({ value: z.string(), asked: z.number() }));
const Changed = defineEvent('test.changed.v1', z.object({}));

async function setup(opts: { ttlMs?: number; maxEntries?: number } = {}) {
  const bus = new InProcessBus({ service: 'test' });
  let asked = 0;
  let fail = false;
  let gate: Promise<void> | undefined;
  await bus.handle(Lookup, async (p) => {
    asked++;
    const n = asked;
    if (gate) await gate;
    if (fail) throw new ContractError('UNAVAILABLE', 'down');
    return { value: `v:${p.key}`, asked: n };
  });
  let clock = 1_000;
  const cache = new CachedRequester(bus, Lookup, { ttlMs: opts.ttlMs ?? 1_000, maxEntries: opts.maxEntries ?? 100, invalidatedBy: Changed }, () => clock);
  await cache.start();
  return {
    bus,
    cache,
    asked: () => asked,
    setFail: (v: boolean) => (fail = v),
    hold: () => {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    advance: (ms: number) => (clock += ms),
  };
}

describe('CachedRequester', () => {
  it('asks once per key within the TTL and again after it', async () => {
    const t = await setup();
    assert.deepEqual(await t.cache.request({ key: 'a' }), { value: 'v:a', asked: 1 });
    assert.deepEqual(await t.cache.request({ key: 'a' }), { value: 'v:a', asked: 1 });
    await t.cache.request({ key: 'b' });
    assert.equal(t.asked(), 2);
    t.advance(1_001);
    assert.deepEqual(await t.cache.request({ key: 'a' }), { value: 'v:a', asked: 3 });
    await t.bus.close();
  });

  it('forgets everything when the invalidation event arrives', async () => {
    const t = await setup();
    await t.cache.request({ key: 'a' });
    await t.bus.publish(Changed, {});
    await new Promise((r) => setImmediate(r));
    assert.equal(t.cache.size, 0);
    assert.equal((await t.cache.request({ key: 'a' })).asked, 2);
    await t.bus.close();
  });

  it('does not keep an answer asked for before an invalidation that arrived while it was in flight', async () => {
    const t = await setup();
    const release = t.hold();
    const pending = t.cache.request({ key: 'a' });
    await new Promise((r) => setImmediate(r));
    t.cache.clear();
    release();
    await pending;
    assert.equal(t.cache.size, 0, 'the stale answer was not stored');
    await t.bus.close();
  });

  it('shares one request between concurrent asks for the same key', async () => {
    const t = await setup();
    const release = t.hold();
    const both = Promise.all([t.cache.request({ key: 'a' }), t.cache.request({ key: 'a' })]);
    await new Promise((r) => setImmediate(r));
    release();
    const [x, y] = await both;
    assert.deepEqual(x, y);
    assert.equal(t.asked(), 1);
    await t.bus.close();
  });

  it('never caches an error', async () => {
    const t = await setup();
    t.setFail(true);
    await assert.rejects(t.cache.request({ key: 'a' }), (e: ContractError) => e.code === 'UNAVAILABLE');
    t.setFail(false);
    assert.equal((await t.cache.request({ key: 'a' })).value, 'v:a');
    assert.equal(t.asked(), 2);
    await t.bus.close();
  });

  it('evicts the least recently used past maxEntries', async () => {
    const t = await setup({ maxEntries: 2 });
    await t.cache.request({ key: 'a' });
    await t.cache.request({ key: 'b' });
    await t.cache.request({ key: 'a' }); // a is now the most recent
    await t.cache.request({ key: 'c' }); // evicts b
    assert.equal(t.cache.size, 2);
    await t.cache.request({ key: 'a' });
    assert.equal(t.asked(), 3, 'a stayed');
    await t.cache.request({ key: 'b' });
    assert.equal(t.asked(), 4, 'b was evicted');
    await t.bus.close();
  });

  it('with a TTL of 0 asks every time', async () => {
    const t = await setup({ ttlMs: 0 });
    await t.cache.request({ key: 'a' });
    await t.cache.request({ key: 'a' });
    assert.equal(t.asked(), 2);
    await t.bus.close();
  });
});
