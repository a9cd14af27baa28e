import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { NatsKvSessionSlots } from './nats-kv-session-slots.js';

const natsUrl = process.env.TEST_NATS_URL;

describe('per-user session slots in NATS KV (ADR 0065)', { skip: !natsUrl && 'TEST_NATS_URL not set' }, () => {
  let nc: NatsConnection;
  const bucket = `t${randomBytes(5).toString('hex')}_sessions`;
  const opened: NatsKvSessionSlots[] = [];
  const open = async (ttlMs = 30_000) => {
    const s = await NatsKvSessionSlots.open(nc, bucket, { ttlMs });
    opened.push(s);
    return s;
  };
  before(async () => {
    nc = await connect({ servers: natsUrl });
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await (await new Kvm(nc).open(bucket)).destroy().catch(() => undefined);
    await nc.close();
  });

  it('counts one account over two replicas, and a release on one makes room on the other', async () => {
    const [a, b] = [await open(), await open()];
    const r1 = await a.take('acct-1', 3);
    assert.ok(await a.take('acct-1', 3));
    assert.ok(await b.take('acct-1', 3));
    assert.equal(await b.take('acct-1', 3), undefined, 'three held across the two replicas');
    assert.equal(await a.take('acct-1', 3), undefined);
    assert.ok(await b.take('acct-2', 3), 'another account has its own count');
    r1!();
    r1!(); // idempotent
    // the logout is written after the client was answered: the other replica sees it a moment later
    let again: (() => void) | undefined;
    for (let i = 0; i < 100 && !again; i++) {
      again = await b.take('acct-1', 3);
      if (!again) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(again, 'the slot given back on one replica is taken on the other');
    assert.equal(b.held('acct-1'), 2);
    assert.equal(a.held('acct-1'), 1);
  });

  it('40 logins at once on two replicas admit exactly the limit', async () => {
    const [a, b] = [await open(), await open()];
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take('acct-burst', 10)));
    assert.equal(got.filter(Boolean).length, 10);
  });

  it("stops believing a replica that died without a word once its heartbeat's TTL has run out", async () => {
    const [dead, alive] = [await open(600), await open(600)];
    assert.ok(await dead.take('acct-3', 2));
    assert.ok(await dead.take('acct-3', 2));
    assert.equal(await alive.take('acct-3', 2), undefined);
    // the process is gone: no heartbeat, no close, no release
    clearInterval((dead as unknown as { timer: NodeJS.Timeout }).timer);
    const start = Date.now();
    let admitted: (() => void) | undefined;
    while (!admitted && Date.now() - start < 20_000) {
      admitted = await alive.take('acct-3', 2);
      if (!admitted) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(admitted, 'the dead replica’s sessions no longer count');
    assert.ok(await alive.take('acct-3', 2));
    assert.equal(await alive.take('acct-3', 2), undefined);
  });

  it('a replica that stops gracefully gives its slots back at once', async () => {
    const [leaving, staying] = [await open(), await open()];
    assert.ok(await leaving.take('acct-4', 1));
    assert.equal(await staying.take('acct-4', 1), undefined);
    await leaving.close();
    assert.ok(await staying.take('acct-4', 1));
  });

  it('decides on its own count when the bucket cannot be reached', async () => {
    const own = await connect({ servers: natsUrl });
    const lonely = await NatsKvSessionSlots.open(own, bucket, { timeoutMs: 500 });
    await own.close();
    const first = await lonely.take('acct-5', 2);
    assert.ok(first);
    assert.ok(await lonely.take('acct-5', 2));
    assert.equal(await lonely.take('acct-5', 2), undefined, 'the per-replica limit still holds');
    first!();
    assert.equal(lonely.held('acct-5'), 1);
    await lonely.close();
  });
});
