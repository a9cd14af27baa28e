import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ContractError } from '@mail/contracts';
import { DirectoryService } from './directory.service.js';
import { FakePasswordHasher } from './fake-password-hasher.js';
import { InMemoryDirectoryRepository } from './in-memory-directory.repository.js';

const rejectsWith = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (err: unknown) => err instanceof ContractError && err.code === code && (!message || message.test(err.message)));

describe('DirectoryService', () => {
  let repo: InMemoryDirectoryRepository;
  let svc: DirectoryService;
  beforeEach(async () => {
    repo = new InMemoryDirectoryRepository();
    svc = new DirectoryService(repo, new FakePasswordHasher());
    await svc.createDomain('Example.org');
  });

  it('stores domains lowercased and refuses duplicates', async () => {
    assert.deepEqual((await svc.listDomains()).domains.map((d) => d.name), ['example.org']);
    await rejectsWith(svc.createDomain('EXAMPLE.org'), 'CONFLICT');
  });

  it('creates accounts lowercased with a hashed password', async () => {
    const a = await svc.createAccount({ address: 'Alice@Example.ORG', password: 'secret123', displayName: '  Alice  ', quotaBytes: 1000 });
    assert.equal(a.address, 'alice@example.org');
    assert.equal(a.domain, 'example.org');
    assert.equal(a.displayName, 'Alice');
    assert.equal(a.quotaBytes, 1000);
    assert.equal(repo.accounts.get('alice@example.org')?.passwordHash, 'fake$secret123');
    assert.equal((await svc.getAccount('ALICE@example.org')).id, a.id);
  });

  it('refuses an account in an unknown domain', async () => {
    await rejectsWith(svc.createAccount({ address: 'carol@unhosted.test', password: 'secret123' }), 'NOT_FOUND', /^domain unhosted\.test is not hosted here$/);
  });

  it('keeps accounts and aliases apart', async () => {
    await svc.createAccount({ address: 'alice@example.org', password: 'secret123' });
    await rejectsWith(svc.createAccount({ address: 'ALICE@example.org', password: 'secret123' }), 'CONFLICT', /already an account/);
    await rejectsWith(svc.createAlias({ address: 'alice@example.org', targets: ['x@y.test'] }), 'CONFLICT', /already an account/);
    await svc.createAlias({ address: 'sales@example.org', targets: ['alice@example.org'] });
    await rejectsWith(svc.createAccount({ address: 'sales@example.org', password: 'secret123' }), 'CONFLICT', /already an alias/);
  });

  it('validates local parts and alias targets', async () => {
    await rejectsWith(svc.createAccount({ address: 'a+b@example.org', password: 'secret123' }), 'INVALID', /subaddress/);
    await rejectsWith(svc.createAlias({ address: 'loop@example.org', targets: ['LOOP@example.org'] }), 'INVALID', /itself/);
    await rejectsWith(svc.createAlias({ address: 'x@example.org', targets: ['nope'] }), 'INVALID', /target/);
    const alias = await svc.createAlias({ address: 'team@example.org', targets: ['A@example.org', 'a@example.org', 'Ext@Remote.test'] });
    assert.deepEqual(alias.targets, ['a@example.org', 'ext@remote.test']);
  });

  it('refuses to delete a domain with accounts, saying why', async () => {
    await svc.createAccount({ address: 'alice@example.org', password: 'secret123' });
    await rejectsWith(svc.deleteDomain('example.org'), 'CONFLICT', /still has 1 account; remove it first/);
    await svc.deleteAccount('alice@example.org');
    await svc.createAlias({ address: 'team@example.org', targets: ['x@remote.test'] });
    assert.deepEqual(await svc.deleteDomain('example.org'), { deleted: true });
    assert.equal(repo.aliases.size, 0);
    await rejectsWith(svc.deleteDomain('example.org'), 'NOT_FOUND');
  });

  it('lists by domain and reports unknown ones', async () => {
    await svc.createDomain('other.test');
    await svc.createAccount({ address: 'b@other.test', password: 'secret123' });
    await svc.createAccount({ address: 'a@example.org', password: 'secret123' });
    assert.deepEqual((await svc.listAccounts('other.test')).accounts.map((a) => a.address), ['b@other.test']);
    assert.equal((await svc.listAccounts()).accounts.length, 2);
    await rejectsWith(svc.listAccounts('nope.test'), 'NOT_FOUND');
  });

  it('changes passwords and deletes accounts and aliases', async () => {
    const a = await svc.createAccount({ address: 'alice@example.org', password: 'secret123' });
    await svc.setPassword('Alice@example.org', 'another-one');
    assert.equal(repo.accounts.get('alice@example.org')?.passwordHash, 'fake$another-one');
    await rejectsWith(svc.setPassword('nobody@example.org', 'another-one'), 'NOT_FOUND');
    assert.deepEqual(await svc.deleteAccount('alice@example.org'), { deleted: true, accountId: a.id });
    await rejectsWith(svc.deleteAccount('alice@example.org'), 'NOT_FOUND');
    await rejectsWith(svc.getAccount('alice@example.org'), 'NOT_FOUND');
    await svc.createAlias({ address: 'team@example.org', targets: ['x@remote.test'] });
    assert.deepEqual(await svc.deleteAlias('TEAM@example.org'), { deleted: true });
    await rejectsWith(svc.deleteAlias('team@example.org'), 'NOT_FOUND');
  });
});
