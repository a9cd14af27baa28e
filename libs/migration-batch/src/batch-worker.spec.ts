import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlobStore } from '@mail/blob';
import type { Bus } from '@mail/bus';
import type { SecretBox } from '@mail/secrets';
import { createLogger } from '@mail/telemetry';
import { BatchWorker, type BatchWorkerConfig } from './batch-worker.js';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** waits until the condition holds (a loaded machine may be slow to get there); fails after 10 s */
async function eventually(what: string, cond: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !cond(); await sleep(10)) if (Date.now() > end) assert.fail(`never: ${what}`);
}

/** A repository with no work: counts the claims, and answers a due time the test sets. */
function idleRepo() {
  const calls = { claim: 0, settle: 0, due: 0 };
  let dueMs: number | null = null;
  const repo = {
    claim: async () => (calls.claim++, null),
    settleBatches: async () => (calls.settle++, []),
    msUntilDue: async () => (calls.due++, dueMs),
  } as unknown as BatchRepository;
  return { repo, calls, setDue: (ms: number | null) => (dueMs = ms) };
}

function worker(repo: BatchRepository, config: Partial<BatchWorkerConfig>) {
  const full: BatchWorkerConfig = { concurrency: 3, leaseMs: 60_000, pollMs: 20, maxAttempts: 5, retryBaseMs: 30_000, chunkMessages: 200, ...config };
  return new BatchWorker(repo, {} as Bus, {} as BlobStore, { open: () => 'pw' } as unknown as SecretBox, full, createLogger('test', 'silent'), () => {
    throw new Error('no session in this test');
  });
}

describe('BatchWorker idle', () => {
  it('several replicas: every idle slot claims once per poll', async () => {
    const { repo, calls } = idleRepo();
    const w = worker(repo, { pollMs: 20 });
    w.start();
    await eventually('each of 3 slots polled 5 times', () => calls.claim >= 15);
    await w.stop();
  });

  it('a single replica claims once per slot, then only after a poke or at the due time', async () => {
    const { repo, calls, setDue } = idleRepo();
    const w = worker(repo, { pollMs: 20, singleReplica: true });
    w.start();
    await eventually('one claim per slot', () => calls.claim >= 3 && calls.due >= 1);
    await sleep(300);
    assert.equal(calls.claim, 3, 'then quiet (pollMs is 20): nothing is due');
    w.poke();
    await eventually('a poke wakes every slot', () => calls.claim >= 6);
    await sleep(100);
    assert.equal(calls.claim, 6, 'once');
    // a retry comes due in 100 ms: the settling slot wakes then and wakes the others
    setDue(100);
    w.poke();
    await eventually('the poke', () => calls.claim >= 9);
    await eventually('the due time wakes every slot', () => calls.claim >= 12);
    setDue(null);
    await eventually('the settling slot learns nothing is due', () => calls.due >= 4);
    const quiet = calls.claim;
    await sleep(300);
    assert.ok(calls.claim <= quiet + 3, `quiet again once nothing is due: ${calls.claim - quiet} more claims`);
    await w.stop();
  });

  it('a poke between an empty claim and the wait is not lost', async () => {
    const { repo, calls } = idleRepo();
    let poked = false;
    const w = worker(repo, { concurrency: 1, pollMs: 20, singleReplica: true });
    // the poke arrives while the claim is in flight, before the slot starts waiting
    (repo as unknown as { claim: () => Promise<null> }).claim = async () => {
      calls.claim++;
      if (!poked) {
        poked = true;
        w.poke();
      }
      return null;
    };
    w.start();
    await eventually('the slot claims again for the poke it would otherwise sleep through', () => calls.claim >= 2);
    await sleep(200);
    await w.stop();
    assert.equal(calls.claim, 2, 'and then waits');
  });
});
