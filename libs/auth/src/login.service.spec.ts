import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { LoginSettings } from './auth.config.js';
import { DirectoryService } from './directory.service.js';
import { FakePasswordHasher } from './fake-password-hasher.js';
import { InMemoryDirectoryRepository } from './in-memory-directory.repository.js';
import { MemoryLoginThrottleStore } from './login-throttle.store.js';
import { LoginService } from './login.service.js';

const SETTINGS: LoginSettings = { delayMs: 1000, maxFailures: 3, windowMs: 60_000, maxPerClient: 20, maxPerAccount: 8, penaltyMs: [0, 2000, 6000], hashConcurrency: 2, hashQueue: 2, hashesPerClient: 4 };

describe('LoginService', () => {
  let repo: InMemoryDirectoryRepository;
  let hasher: FakePasswordHasher;
  let throttle: MemoryLoginThrottleStore;
  let svc: LoginService;
  let delays: number[];
  let clock: number;
  const logs: unknown[] = [];
  let aliceId: string;

  const make = (settings: Partial<LoginSettings> = {}, h: FakePasswordHasher = hasher) =>
    new LoginService(repo, h, throttle, { ...SETTINGS, ...settings }, {
      now: () => new Date(clock),
      delay: async (ms) => void delays.push(ms),
      logger: { info: (...a: unknown[]) => void logs.push(a), warn: (...a: unknown[]) => void logs.push(a) } as never,
    });

  beforeEach(async () => {
    repo = new InMemoryDirectoryRepository();
    hasher = new FakePasswordHasher();
    throttle = new MemoryLoginThrottleStore();
    delays = [];
    clock = Date.parse('2026-01-01T00:00:00Z');
    const dir = new DirectoryService(repo, hasher);
    await dir.createDomain('example.org');
    aliceId = (await dir.createAccount({ address: 'alice@example.org', password: 'right-password' })).id;
    svc = make();
  });

  const attempt = (username: string, password: string, remoteAddress = '192.0.2.1', service = svc) => service.verify({ username, password, protocol: 'imap', remoteAddress });

  it('accepts the right password, case-insensitively on the name, without delay', async () => {
    assert.deepEqual(await attempt('Alice@Example.org', 'right-password'), { ok: true, accountId: aliceId, address: 'alice@example.org' });
    assert.deepEqual(delays, []);
  });

  it('treats a wrong password and an unknown user alike, with a growing wait per client', async () => {
    assert.deepEqual(await attempt('alice@example.org', 'wrong'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await attempt('nobody@example.org', 'wrong'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await attempt('not-an-address', 'wrong'), { ok: false, reason: 'invalid' });
    // every path ran one verify (the dummy hash for unknown users); the client's failures wait longer each time
    assert.deepEqual(hasher.verified, ['fake$right-password', await hasher.dummyHash(), await hasher.dummyHash()]);
    assert.deepEqual(delays, [1000, 2000, 1000, 6000, 1000]);
    // another client does not inherit the wait
    await attempt('bob@example.org', 'wrong', '198.51.100.7');
    assert.deepEqual(delays.slice(5), [1000]);
  });

  it('never logs the password, nor a failed name verbatim', async () => {
    await attempt('alice@example.org', 'hunter2-secret');
    await attempt('my-password-typed-here', 'x');
    const text = JSON.stringify(logs);
    assert.doesNotMatch(text, /hunter2-secret/);
    assert.doesNotMatch(text, /my-password-typed-here/);
    assert.match(text, /"userDomain":"example.org"/);
  });

  it('locks a name from a client after too many failures, then lets it go when the window ends', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('alice@example.org', 'wrong')).ok, false);
    hasher.verified.length = 0;
    assert.deepEqual(await attempt('alice@example.org', 'right-password'), { ok: false, reason: 'locked' });
    assert.deepEqual(hasher.verified, [], 'no verify while locked');
    // another client is not locked out
    assert.equal((await attempt('alice@example.org', 'right-password', '198.51.100.7')).ok, true);
    clock += 60_001;
    assert.equal((await attempt('alice@example.org', 'right-password')).ok, true);
  });

  it('counts a name from every client, known or not, and refuses a client past its own limit', async () => {
    for (let i = 0; i < 8; i++) await attempt('nobody@example.org', 'x', `203.0.113.${i}`);
    hasher.verified.length = 0;
    assert.deepEqual(await attempt('nobody@example.org', 'x', '203.0.113.99'), { ok: false, reason: 'locked' });
    assert.deepEqual(hasher.verified, []);
    // new names every time from one client: the client's own limit stops it
    const flood = make({ penaltyMs: [] });
    for (let i = 0; i < 20; i++) await attempt(`user${i}@example.org`, 'x', '2001:db8:1:2::1', flood);
    assert.deepEqual(await attempt('user-new@example.org', 'x', '2001:db8:1:2::ffff', flood), { ok: false, reason: 'throttled' }, 'same /64');
    assert.equal(hasher.verified.length, 20);
  });

  it('forgets failures after a success', async () => {
    await attempt('alice@example.org', 'wrong');
    await attempt('alice@example.org', 'wrong');
    assert.equal((await attempt('alice@example.org', 'right-password')).ok, true);
    delays.length = 0;
    assert.equal((await attempt('alice@example.org', 'right-password')).ok, true);
    assert.deepEqual(delays, [], 'no penalty left after the success');
    assert.equal(throttle.counters.get('pair:192.0.2.1 alice@example.org'), undefined);
  });

  it('verifies at most the limit of 200 parallel guesses', async () => {
    const guesses = await Promise.all(Array.from({ length: 200 }, () => attempt('alice@example.org', 'wrong')));
    assert.equal(hasher.verified.length, 3);
    assert.equal(guesses.filter((g) => !g.ok && g.reason === 'locked').length, 197);
  });

  it('answers busy at once when the hash queue is full, and does not count that attempt', async () => {
    const releases: Array<() => void> = [];
    const slow = new (class extends FakePasswordHasher {
      override async verify(hash: string, password: string) {
        await new Promise<void>((r) => releases.push(r));
        return super.verify(hash, password);
      }
    })();
    const gated = make({ hashConcurrency: 1, hashQueue: 1, penaltyMs: [] }, slow);
    const first = attempt('alice@example.org', 'right-password', '192.0.2.10', gated);
    const second = attempt('alice@example.org', 'right-password', '192.0.2.11', gated);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(await attempt('alice@example.org', 'right-password', '192.0.2.12', gated), { ok: false, reason: 'busy' });
    assert.equal(throttle.counters.get('client:192.0.2.12')?.hits, 0);
    for (let done = 0; done < 2; ) {
      const release = releases.shift();
      if (release) {
        release();
        done++;
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.equal((await first).ok, true);
    assert.equal((await second).ok, true);
  });

  it('refuses a disabled account only after the right password', async () => {
    repo.accounts.get('alice@example.org')!.disabled = true;
    assert.deepEqual(await attempt('alice@example.org', 'wrong'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await attempt('alice@example.org', 'right-password'), { ok: false, reason: 'disabled' });
  });
});
