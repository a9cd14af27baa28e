import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlobStore } from '@mail/blob';
import type { Bus } from '@mail/bus';
import type { SecretBox } from '@mail/secrets';
import { createLogger } from '@mail/telemetry';
import { BatchWorker } from './batch-worker.js';
import type { BatchRepository, ClaimedUser } from './batch.repository.js';

const USER: ClaimedUser = {
  id: 'u1',
  batch_id: 'b1',
  batch_name: 'batch',
  email_address: 'alice@example.test',
  user_name: 'alice',
  password_sealed: 'sealed',
  pass: 1,
  attempts: 0,
  host: '127.0.0.1',
  port: 1,
  tls: 'none',
  insecure: true,
  max_connections: 1,
  messages_per_second: 10,
};

/**
 * One user's lease as the batch tables keep it (claim, renew, finish only by the holder), with a
 * switch that lets the test run the lease out, as a stalled slot's would.
 */
class OneLease {
  owner: string | null = null;
  lapsed = false;
  state: 'queued' | 'running' | 'done' = 'queued';
  readonly claims: string[] = [];
  readonly finishes: { owner: string; accepted: boolean }[] = [];

  repo(): BatchRepository {
    const repo = {
      claim: async (owner: string) => {
        if (this.state === 'done' || (this.state === 'running' && !this.lapsed)) return null;
        this.state = 'running';
        this.owner = owner;
        this.lapsed = false;
        this.claims.push(owner);
        return { ...USER };
      },
      renew: async (_id: string, owner: string) => this.owner === owner && !this.lapsed,
      finish: async (_id: string, owner: string) => {
        const accepted = this.owner === owner;
        this.finishes.push({ owner, accepted });
        if (accepted) {
          this.state = 'done';
          this.owner = null;
        }
      },
      settleBatches: async () => undefined,
      loadFolder: async () => null,
      saveFolder: async () => undefined,
    };
    return repo as unknown as BatchRepository;
  }
}

describe('BatchWorker leases', () => {
  it('a slot whose lease ran out cannot finish the user another slot of the same replica took over', async () => {
    const lease = new OneLease();
    // every job's GetAccount waits until the test lets it go: the first slot stalls there
    const stalled: (() => void)[] = [];
    let stalling = true;
    const bus = {
      request: () => (stalling ? new Promise((resolve) => stalled.push(() => resolve({ id: 'acct-1' }))) : Promise.resolve({ id: 'acct-1' })),
    } as unknown as Bus;
    const secrets = { open: () => 'pw' } as unknown as SecretBox;
    // the source refuses the login: a permanent failure, which finishes the user at once
    const openSession = async () => {
      throw Object.assign(new Error('no'), { authenticationFailed: true });
    };
    const worker = new BatchWorker(
      lease.repo(),
      bus,
      {} as BlobStore,
      secrets,
      { concurrency: 2, leaseMs: 60_000, pollMs: 60_000, maxAttempts: 3, retryBaseMs: 1000, chunkMessages: 10 },
      createLogger('batch-worker-spec'),
      openSession as never,
    );
    worker.start();
    try {
      await until(() => stalled.length === 1);
      assert.equal(lease.claims.length, 1);
      // the first job's lease runs out while it is stalled; the other slot takes the user over
      lease.lapsed = true;
      worker.poke();
      await until(() => stalled.length === 2);
      assert.equal(lease.claims.length, 2);
      const [first, second] = lease.claims as [string, string];
      assert.notEqual(first, second, 'each job leases under a name of its own');
      // the stalled job wakes up and fails: its finish must not end the job that now holds the user
      stalled[0]!();
      await until(() => lease.finishes.length === 1);
      assert.deepEqual(lease.finishes[0], { owner: first, accepted: false });
      assert.equal(lease.state, 'running');
      assert.equal(lease.owner, second);
      // the holder's own finish is accepted
      stalled[1]!();
      await until(() => lease.finishes.length === 2);
      assert.deepEqual(lease.finishes[1], { owner: second, accepted: true });
      assert.equal(lease.state, 'done');
    } finally {
      stalling = false;
      for (const go of stalled) go();
      await worker.stop();
    }
  });

  it('names every job differently, across slots and one after another in a slot', async () => {
    const names: string[] = [];
    let left = 5;
    const repo = {
      claim: async (owner: string) => {
        if (left <= 0) return null;
        left--;
        names.push(owner);
        return { ...USER, id: `u${left}` };
      },
      renew: async () => true,
      finish: async () => undefined,
      settleBatches: async () => undefined,
    } as unknown as BatchRepository;
    const bus = { request: async () => Promise.reject(new Error('directory down')) } as unknown as Bus;
    const worker = new BatchWorker(
      repo,
      bus,
      {} as BlobStore,
      { open: () => 'pw' } as unknown as SecretBox,
      { concurrency: 2, leaseMs: 60_000, pollMs: 60_000, maxAttempts: 3, retryBaseMs: 1000, chunkMessages: 10 },
      createLogger('batch-worker-spec'),
      (async () => Promise.reject(new Error('unused'))) as never,
    );
    worker.start();
    try {
      await until(() => names.length === 5);
      assert.equal(new Set(names).size, 5);
    } finally {
      await worker.stop();
    }
  });
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}
