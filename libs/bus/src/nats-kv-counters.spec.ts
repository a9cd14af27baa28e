import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { NatsKvCounters } from './nats-kv-counters.js';

const natsUrl = process.env.TEST_NATS_URL;

describe('shared rate counters in NATS KV', { skip: !natsUrl && 'TEST_NATS_URL not set' }, () => {
  let nc: NatsConnection;
  const bucket = `t${randomBytes(5).toString('hex')}_limits`;
  before(async () => {
    nc = await connect({ servers: natsUrl });
  });
  after(async () => {
    await (await new Kvm(nc).open(bucket)).destroy().catch(() => undefined);
    await nc.close();
  });

  it('adds per key and window, and 50 concurrent additions from two replicas lose none', async () => {
    const [a, b] = [await NatsKvCounters.open(nc, bucket), await NatsKvCounters.open(nc, bucket)];
    assert.equal(await a.add('relay.Printers\n192.0.2.1', 100, 2), 2);
    assert.equal(await b.add('relay.Printers\n192.0.2.1', 100, 3), 5);
    assert.equal(await b.add('relay.Printers\n192.0.2.1', 101, 1), 1, 'a new window starts at zero');
    const totals = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).add('smtp.mx.messages.198.51.100.0/24', 7, 1)));
    assert.equal(Math.max(...totals), 50);
    assert.equal(new Set(totals).size, 50, 'every addition saw its own total');
  });
});
