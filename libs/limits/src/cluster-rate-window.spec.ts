import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterRateWindow } from './cluster-rate-window.js';
import { SharedCounters } from './shared-counters.port.js';

/** the shared counters as a map; `down` makes every exchange fail, as an unreachable NATS would */
class MemoryCounters extends SharedCounters {
  readonly values = new Map<string, number>();
  down = false;
  async add(key: string, window: number, by: number): Promise<number> {
    if (this.down) throw new Error('unreachable');
    const k = `${key}@${window}`;
    const v = (this.values.get(k) ?? 0) + by;
    this.values.set(k, v);
    return v;
  }
}

const MINUTE = 60_000;

describe('ClusterRateWindow', () => {
  it('alone (no store): the limit per window and key, the previous window weighted by its overlap', () => {
    let t = 1_000_000; // 40 s into a window
    const w = new ClusterRateWindow({ name: 'x', windowMs: MINUTE, now: () => t });
    for (let i = 0; i < 3; i++) assert.ok(w.tryAdd('a', 3));
    assert.ok(!w.tryAdd('a', 3));
    assert.ok(w.tryAdd('b', 3));
    t += 30_000; // 10 s into the next: 5/6 of the previous 3 still count
    assert.ok(!w.tryAdd('a', 3));
    t += 31_000; // 41 s in: under a third
    assert.ok(w.tryAdd('a', 3));
  });

  it('two replicas sharing counters: a client spread over both is held to the one limit after an exchange', async () => {
    const t = 5 * MINUTE + 1000;
    const store = new MemoryCounters();
    const [r1, r2] = [0, 1].map(() => new ClusterRateWindow({ name: 'relay', windowMs: MINUTE, store, now: () => t }));
    try {
      for (let i = 0; i < 6; i++) assert.ok(r1.tryAdd('192.0.2.1', 10));
      for (let i = 0; i < 3; i++) assert.ok(r2.tryAdd('192.0.2.1', 10));
      await Promise.all([r1.sync(), r2.sync()]);
      assert.equal(store.values.get(`relay.192.0.2.1@${Math.floor(t / MINUTE)}`), 9);
      // r1 learned of r2's 3 when it pushed before r2: its view catches up with the next exchange
      assert.ok(r2.tryAdd('192.0.2.1', 10), 'the tenth');
      await r2.sync();
      assert.ok(!r2.tryAdd('192.0.2.1', 10), 'the eleventh on r2');
      // r1 pushed before r2 did: it learns the rest with its next exchange, which its next count makes
      assert.equal(r1.peek('192.0.2.1', 0), 6);
      assert.ok(r1.tryAdd('192.0.2.1', 10), 'one more slips through on r1 (the bound: one sync interval)');
      await r1.sync();
      assert.ok(!r1.tryAdd('192.0.2.1', 10), 'then r1 knows the cluster is past the limit');
      assert.equal(store.values.get(`relay.192.0.2.1@${Math.floor(t / MINUTE)}`), 11);
      // another client is not concerned
      assert.ok(r2.tryAdd('192.0.2.2', 10));
    } finally {
      r1.close();
      r2.close();
    }
  });

  it('an unreachable store: each replica goes on with its own count, and pushes it once the store is back', async () => {
    const t = 7 * MINUTE + 1000;
    const store = new MemoryCounters();
    store.down = true;
    const warnings: string[] = [];
    const w = new ClusterRateWindow({ name: 'smtp.mx.messages', windowMs: MINUTE, store, now: () => t, logger: { warn: (_f, m) => warnings.push(m) } });
    try {
      for (let i = 0; i < 5; i++) assert.ok(w.tryAdd('c', 5));
      await w.sync();
      assert.ok(!w.tryAdd('c', 5), 'still limited locally');
      assert.equal(warnings.length, 1);
      await w.sync();
      assert.equal(warnings.length, 1, 'one warning a minute, not one per exchange');
      store.down = false;
      await w.sync();
      assert.equal(store.values.get(`smtp.mx.messages.c@${Math.floor(t / MINUTE)}`), 5, 'the held counts arrive once');
    } finally {
      w.close();
    }
  });

  it('a store that never answers does not hold the decision: tryAdd is synchronous', async () => {
    const hanging = new (class extends SharedCounters {
      add(): Promise<number> {
        return new Promise(() => undefined);
      }
    })();
    const w = new ClusterRateWindow({ name: 'x', windowMs: MINUTE, store: hanging, syncTimeoutMs: 50 });
    try {
      assert.ok(w.tryAdd('k', 1));
      await w.sync();
      assert.ok(!w.tryAdd('k', 1));
    } finally {
      w.close();
    }
  });
});
