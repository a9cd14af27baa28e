import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DirectoryService } from './directory.service.js';
import { FakePasswordHasher } from './fake-password-hasher.js';
import { InMemoryDirectoryRepository } from './in-memory-directory.repository.js';
import { LoginService } from './login.service.js';

describe('LoginService', () => {
  let repo: InMemoryDirectoryRepository;
  let hasher: FakePasswordHasher;
  let svc: LoginService;
  let delays: number[];
  let clock: number;
  const logs: unknown[] = [];
  let aliceId: string;

  beforeEach(async () => {
    repo = new InMemoryDirectoryRepository();
    hasher = new FakePasswordHasher();
    delays = [];
    clock = Date.parse('2026-01-01T00:00:00Z');
    const dir = new DirectoryService(repo, hasher);
    await dir.createDomain('example.org');
    aliceId = (await dir.createAccount({ address: 'alice@example.org', password: 'right-password' })).id;
    svc = new LoginService(
      repo,
      hasher,
      { delayMs: 1000, maxFailures: 3, windowMs: 60_000 },
      {
        now: () => new Date(clock),
        delay: async (ms) => void delays.push(ms),
        logger: { info: (...a: unknown[]) => void logs.push(a), warn: (...a: unknown[]) => void logs.push(a) } as never,
      },
    );
  });

  const attempt = (username: string, password: string, remoteAddress = '192.0.2.1') => svc.verify({ username, password, protocol: 'imap', remoteAddress });

  it('accepts the right password, case-insensitively on the name, without delay', async () => {
    assert.deepEqual(await attempt('Alice@Example.org', 'right-password'), { ok: true, accountId: aliceId, address: 'alice@example.org' });
    assert.deepEqual(delays, []);
  });

  it('treats a wrong password and an unknown user alike', async () => {
    assert.deepEqual(await attempt('alice@example.org', 'wrong'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await attempt('nobody@example.org', 'wrong'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await attempt('not-an-address', 'wrong'), { ok: false, reason: 'invalid' });
    // every path ran one argon2 verify (the dummy hash for unknown users) and waited the same
    assert.deepEqual(hasher.verified, ['fake$right-password', await hasher.dummyHash(), await hasher.dummyHash()]);
    assert.deepEqual(delays, [1000, 1000, 1000]);
    assert.equal(repo.failures.length, 3);
  });

  it('never logs the password', async () => {
    await attempt('alice@example.org', 'hunter2-secret');
    assert.doesNotMatch(JSON.stringify(logs), /hunter2-secret/);
  });

  it('locks a name from an address after too many failures, then lets it go', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('alice@example.org', 'wrong')).ok, false);
    hasher.verified.length = 0;
    assert.deepEqual(await attempt('alice@example.org', 'right-password'), { ok: false, reason: 'locked' });
    assert.deepEqual(hasher.verified, [], 'no verify while locked');
    // another address is not locked out
    assert.equal((await attempt('alice@example.org', 'right-password', '198.51.100.7')).ok, true);
    clock += 60_001;
    assert.equal((await attempt('alice@example.org', 'right-password')).ok, true);
  });

  it('forgets failures after a success', async () => {
    await attempt('alice@example.org', 'wrong');
    await attempt('alice@example.org', 'wrong');
    assert.equal((await attempt('alice@example.org', 'right-password')).ok, true);
    assert.equal(repo.failures.length, 0);
  });

  it('refuses a disabled account only after the right password', async () => {
    repo.accounts.get('alice@example.org')!.disabled = true;
    assert.deepEqual(await attempt('alice@example.org', 'wrong'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await attempt('alice@example.org', 'right-password'), { ok: false, reason: 'disabled' });
  });
});
