import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { LeaseStore } from './lease-store.port.js';
import { MemoryLeaseStore } from './memory-lease-store.js';
import { NatsKvLeaseStore } from './nats-kv-lease-store.js';

function leaseContract(name: string, make: () => Promise<LeaseStore>) {
  describe(`lease store: ${name}`, () => {
    it('grants a lease to one holder at a time, and again after release', async () => {
      const leases = await make();
      assert.equal(await leases.acquire('pop3:maildrop:a@b', 'one', 10_000), true);
      assert.equal(await leases.acquire('pop3:maildrop:a@b', 'two', 10_000), false);
      assert.equal(await leases.acquire('pop3:maildrop:a@b', 'one', 10_000), true, 're-entrant for its holder');
      assert.equal(await leases.renew('pop3:maildrop:a@b', 'one', 10_000), true);
      await leases.release('pop3:maildrop:a@b', 'two'); // not the holder: no effect
      assert.equal(await leases.acquire('pop3:maildrop:a@b', 'two', 10_000), false);
      await leases.release('pop3:maildrop:a@b', 'one');
      assert.equal(await leases.acquire('pop3:maildrop:a@b', 'two', 10_000), true);
    });

    it('lets an expired lease be taken over', async () => {
      const leases = await make();
      assert.equal(await leases.acquire('k2', 'crashed', 1), true);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await leases.acquire('k2', 'next', 10_000), true);
      assert.equal(await leases.renew('k2', 'crashed', 10_000), false, 'the old holder lost it');
    });
  });
}

leaseContract('memory', async () => new MemoryLeaseStore());

const natsUrl = process.env.TEST_NATS_URL;
if (natsUrl) {
  const buckets: string[] = [];
  let nc: NatsConnection | undefined;
  leaseContract('NATS KV', async () => {
    nc ??= await connect({ servers: natsUrl });
    const bucket = `leasetest_${Date.now().toString(36)}_${buckets.length}`;
    buckets.push(bucket);
    return NatsKvLeaseStore.open(nc, bucket);
  });
  after(async () => {
    if (!nc) return;
    for (const b of buckets) await (await new Kvm(nc).open(b)).destroy().catch(() => undefined);
    await nc.close();
  });
}
