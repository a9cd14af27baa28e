import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ContractError } from '@mail/contracts';
import { DirectoryService } from './directory.service.js';
import { FakePasswordHasher } from './fake-password-hasher.js';
import { GroupService } from './group.service.js';
import { InMemoryDirectoryRepository } from './in-memory-directory.repository.js';

const rejectsWith = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (err: unknown) => err instanceof ContractError && err.code === code && (!message || message.test(err.message)));

describe('GroupService', () => {
  let dir: DirectoryService;
  let groups: GroupService;

  beforeEach(async () => {
    const repo = new InMemoryDirectoryRepository();
    dir = new DirectoryService(repo, new FakePasswordHasher());
    groups = new GroupService(repo);
    await dir.createDomain('example.org');
    await dir.createAccount({ address: 'alice@example.org', password: 'password1' });
    await dir.createAlias({ address: 'sales@example.org', targets: ['alice@example.org'] });
  });

  it('creates a group with normalised, de-duplicated members', async () => {
    const g = await groups.create({ address: 'Team@Example.org', displayName: '  The team ', members: ['ALICE@example.org', 'alice@example.org', 'x@remote.test'] });
    assert.deepEqual([g.address, g.displayName, g.hostedSendersOnly, g.members], ['team@example.org', 'The team', false, ['alice@example.org', 'x@remote.test']]);
    assert.deepEqual((await groups.list('example.org')).groups.map((x) => x.address), ['team@example.org']);
    assert.equal((await groups.get('team@example.org')).members.length, 2);
  });

  it('changes options and replaces the whole member list with update (group set)', async () => {
    await groups.create({ address: 'team@example.org', displayName: 'Team', members: ['alice@example.org', 'a@remote.test'] });
    let g = await groups.update({ address: 'TEAM@example.org', hostedSendersOnly: true });
    assert.deepEqual([g.displayName, g.hostedSendersOnly, g.members], ['Team', true, ['a@remote.test', 'alice@example.org']]);
    g = await groups.update({ address: 'team@example.org', displayName: null, members: ['B@remote.test', 'b@remote.test', 'sales@example.org'] });
    assert.deepEqual([g.displayName, g.hostedSendersOnly, g.members], [null, true, ['b@remote.test', 'sales@example.org']]);
    g = await groups.update({ address: 'team@example.org', displayName: '  ', members: [] });
    assert.deepEqual([g.displayName, g.members], [null, []]);
    await rejectsWith(groups.update({ address: 'team@example.org' }), 'INVALID', /nothing to change/);
    await rejectsWith(groups.update({ address: 'team@example.org', members: ['team@example.org'] }), 'INVALID', /itself/);
    await rejectsWith(groups.update({ address: 'none@example.org', hostedSendersOnly: false }), 'NOT_FOUND');
    await rejectsWith(groups.update({ address: 'team@example.org', members: ['not an address'] }), 'INVALID');
  });

  it('shares the address space with accounts and aliases', async () => {
    await rejectsWith(groups.create({ address: 'alice@example.org' }), 'CONFLICT', /already an account/);
    await rejectsWith(groups.create({ address: 'sales@example.org' }), 'CONFLICT', /already an alias/);
    await groups.create({ address: 'team@example.org' });
    await rejectsWith(dir.createAccount({ address: 'team@example.org', password: 'password1' }), 'CONFLICT', /already a group/);
    await rejectsWith(dir.createAlias({ address: 'team@example.org', targets: ['alice@example.org'] }), 'CONFLICT', /already a group/);
    await rejectsWith(groups.create({ address: 'team@example.org' }), 'CONFLICT', /already a group/);
  });

  it('refuses bad input with a clear error', async () => {
    await rejectsWith(groups.create({ address: 'g@unhosted.test' }), 'NOT_FOUND', /not hosted/);
    await rejectsWith(groups.create({ address: 'g+x@example.org' }), 'INVALID', /'\+'/);
    await rejectsWith(groups.create({ address: 'g@example.org', members: ['not an address'] }), 'INVALID', /member/);
    await rejectsWith(groups.create({ address: 'g@example.org', members: ['G@example.org'] }), 'INVALID', /member of itself/);
    await groups.create({ address: 'g@example.org' });
    await rejectsWith(groups.updateMembers({ address: 'g@example.org', add: ['g@example.org'] }), 'INVALID', /member of itself/);
    await rejectsWith(groups.updateMembers({ address: 'nope@example.org', add: ['alice@example.org'] }), 'NOT_FOUND');
    await rejectsWith(groups.remove('nope@example.org'), 'NOT_FOUND');
  });

  it('goes with its domain', async () => {
    await dir.createDomain('gone.test');
    await groups.create({ address: 'g@gone.test', members: ['alice@example.org'] });
    await dir.deleteDomain('gone.test');
    await rejectsWith(groups.get('g@gone.test'), 'NOT_FOUND');
  });
});
