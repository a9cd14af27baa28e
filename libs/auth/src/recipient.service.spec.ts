import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DirectoryService } from './directory.service.js';
import { FakePasswordHasher } from './fake-password-hasher.js';
import { GroupService } from './group.service.js';
import { InMemoryDirectoryRepository } from './in-memory-directory.repository.js';
import { RecipientService } from './recipient.service.js';

describe('RecipientService', () => {
  let repo: InMemoryDirectoryRepository;
  let dir: DirectoryService;
  let groups: GroupService;
  let svc: RecipientService;
  let truncated: string[];
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    repo = new InMemoryDirectoryRepository();
    dir = new DirectoryService(repo, new FakePasswordHasher());
    groups = new GroupService(repo);
    truncated = [];
    svc = new RecipientService(repo, { maxDepth: 3, maxAddresses: 50 }, (_a, why) => truncated.push(why));
    await dir.createDomain('example.org');
    await dir.createDomain('other.test');
    for (const a of ['alice@example.org', 'bob@example.org', 'carol@other.test']) ids[a] = (await dir.createAccount({ address: a, password: 'password1' })).id;
  });

  it('says remote for domains not hosted and unknown for nobody', async () => {
    assert.deepEqual(await svc.resolve('x@elsewhere.test'), { kind: 'remote' });
    assert.deepEqual(await svc.resolve('nobody@example.org'), { kind: 'unknown' });
  });

  it('finds accounts case-insensitively and through +tags', async () => {
    const expect = { kind: 'local', deliverTo: [{ accountId: ids['alice@example.org'], address: 'alice@example.org' }], forwardTo: [] };
    assert.deepEqual(await svc.resolve('ALICE@Example.Org'), expect);
    assert.deepEqual(await svc.resolve('alice+News@example.org'), { ...expect, deliverTo: [{ ...expect.deliverTo[0], detail: 'news' }] });
    assert.deepEqual(await svc.resolve('nobody+x@example.org'), { kind: 'unknown' });
  });

  it('expands aliases recursively, across domains, forwarding the rest', async () => {
    await dir.createAlias({ address: 'team@example.org', targets: ['alice@example.org', 'ops@other.test'] });
    await dir.createAlias({ address: 'ops@other.test', targets: ['carol@other.test', 'bob+ops@example.org', 'pager@remote.test'] });
    const r = await svc.resolve('team+x@example.org');
    assert.equal(r.kind, 'local');
    if (r.kind !== 'local') return;
    assert.deepEqual(r.deliverTo.map((d) => d.address).sort(), ['alice@example.org', 'bob@example.org', 'carol@other.test']);
    assert.deepEqual(r.forwardTo, ['pager@remote.test']);
  });

  it('survives loops and dedupes', async () => {
    await dir.createAlias({ address: 'a@example.org', targets: ['b@example.org', 'alice@example.org'] });
    await dir.createAlias({ address: 'b@example.org', targets: ['a@example.org', 'alice@example.org'] });
    assert.deepEqual(await svc.resolve('a@example.org'), {
      kind: 'local',
      deliverTo: [{ accountId: ids['alice@example.org'], address: 'alice@example.org' }],
      forwardTo: [],
    });
  });

  it('stops at the depth cap', async () => {
    for (let i = 0; i < 6; i++) await dir.createAlias({ address: `l${i}@example.org`, targets: [`l${i + 1}@example.org`] });
    await dir.createAlias({ address: 'l6@example.org', targets: ['alice@example.org'] });
    assert.deepEqual(await svc.resolve('l0@example.org'), { kind: 'unknown' });
    assert.match(truncated[0], /deeper than 3/);
    assert.equal((await svc.resolve('l4@example.org')).kind, 'local');
  });

  it('treats an alias whose targets are all gone as unknown', async () => {
    await dir.createAlias({ address: 'gone@example.org', targets: ['deleted@example.org'] });
    assert.deepEqual(await svc.resolve('gone@example.org'), { kind: 'unknown' });
  });

  it('lets an account send as itself, its +tags and aliases that reach it', async () => {
    await dir.createAlias({ address: 'sales@example.org', targets: ['alice@example.org'] });
    await dir.createAlias({ address: 'all@example.org', targets: ['sales@example.org', 'bob@example.org'] });
    const alice = ids['alice@example.org'];
    assert.equal(await svc.maySendAs(alice, 'Alice@example.org'), true);
    assert.equal(await svc.maySendAs(alice, 'alice+x@example.org'), true);
    assert.equal(await svc.maySendAs(alice, 'sales@example.org'), true);
    assert.equal(await svc.maySendAs(alice, 'all@example.org'), true);
    assert.equal(await svc.maySendAs(alice, 'bob@example.org'), false);
    assert.equal(await svc.maySendAs(alice, 'someone@remote.test'), false);
    assert.equal(await svc.maySendAs(alice, 'garbage'), false);
    assert.equal(await svc.maySendAs('00000000-0000-4000-8000-000000000000', 'alice@example.org'), false);
    repo.accounts.get('alice@example.org')!.disabled = true;
    assert.equal(await svc.maySendAs(alice, 'alice@example.org'), false);
  });

  describe('groups', () => {
    const addressesOf = (r: Awaited<ReturnType<RecipientService['resolve']>>) => (r.kind === 'local' ? r.deliverTo.map((d) => d.address).sort() : r.kind);

    it('expands nested groups with a loop once, each member once', async () => {
      // staff → (alice, devs, ops); devs → (bob, staff: the loop, alice again); ops → (carol, devs again, a remote pager)
      await groups.create({ address: 'staff@example.org', members: ['alice@example.org', 'devs@example.org', 'ops@other.test'] });
      await groups.create({ address: 'devs@example.org', members: ['bob@example.org', 'staff@example.org', 'alice@example.org'] });
      await groups.create({ address: 'ops@other.test', members: ['carol@other.test', 'devs@example.org', 'pager@remote.test'] });
      const r = await svc.resolve('staff@example.org');
      assert.deepEqual(addressesOf(r), ['alice@example.org', 'bob@example.org', 'carol@other.test']);
      assert.ok(r.kind === 'local' && r.deliverTo.length === 3);
      assert.deepEqual(r.kind === 'local' && r.forwardTo, ['pager@remote.test']);
      assert.equal(r.kind === 'local' && r.hostedSendersOnly, undefined);
      // entering the loop elsewhere gives the same people
      assert.deepEqual(addressesOf(await svc.resolve('devs@example.org')), ['alice@example.org', 'bob@example.org', 'carol@other.test']);
      assert.deepEqual(truncated, []);
    });

    it('marks a resolution that passes a hosted-senders-only group, however deep', async () => {
      await groups.create({ address: 'board@example.org', hostedSendersOnly: true, members: ['alice@example.org'] });
      await groups.create({ address: 'open@example.org', members: ['board@example.org', 'bob@example.org'] });
      await dir.createAlias({ address: 'directors@example.org', targets: ['board@example.org'] });
      for (const a of ['board@example.org', 'open@example.org', 'directors@example.org', 'board+x@example.org']) {
        const r = await svc.resolve(a);
        assert.equal(r.kind === 'local' && r.hostedSendersOnly, true, a);
      }
      assert.equal((await svc.resolve('alice@example.org')).kind === 'local', true);
    });

    it('is unknown when empty, and stops at a removed member', async () => {
      await groups.create({ address: 'empty@example.org' });
      assert.deepEqual(await svc.resolve('empty@example.org'), { kind: 'unknown' });
      await groups.create({ address: 'g@example.org', members: ['alice@example.org', 'bob@example.org'] });
      await groups.updateMembers({ address: 'g@example.org', remove: ['BOB@example.org'], add: ['carol@other.test', 'alice@example.org'] });
      assert.deepEqual(addressesOf(await svc.resolve('g@example.org')), ['alice@example.org', 'carol@other.test']);
    });

    it('does not let a member send as the group', async () => {
      await groups.create({ address: 'all@example.org', members: ['alice@example.org'] });
      assert.equal(await svc.maySendAs(ids['alice@example.org'], 'all@example.org'), false);
    });
  });

  describe('catch-all and subaddresses', () => {
    it('sends what nobody holds to the catch-all, and only that', async () => {
      await repo.setDomainRouting('example.org', { catchAll: 'bob@example.org' });
      await dir.createAlias({ address: 'sales@example.org', targets: ['alice@example.org'] });
      const to = async (a: string) => {
        const r = await svc.resolve(a);
        return r.kind === 'local' ? r.deliverTo.map((d) => d.address) : r.kind;
      };
      assert.deepEqual(await to('whoever@example.org'), ['bob@example.org']);
      assert.deepEqual(await to('alice@example.org'), ['alice@example.org']);
      assert.deepEqual(await to('sales+x@example.org'), ['alice@example.org']);
      assert.deepEqual(await to('nobody@other.test'), 'unknown', 'the catch-all is per domain');
      // an alias target nobody holds is caught as well; a catch-all that is itself unknown ends there
      await dir.createAlias({ address: 'typo@other.test', targets: ['alicee@example.org'] });
      assert.deepEqual(await to('typo@other.test'), ['bob@example.org']);
      await repo.setDomainRouting('example.org', { catchAll: 'void@example.org' });
      assert.deepEqual(await to('whoever@example.org'), 'unknown');
      await repo.setDomainRouting('example.org', { catchAll: null });
      assert.deepEqual(await to('whoever@example.org'), 'unknown');
      // a catch-all never lets its owner send as every address
      await repo.setDomainRouting('example.org', { catchAll: 'bob@example.org' });
      assert.equal(await svc.maySendAs(ids['bob@example.org'], 'ceo@example.org'), false);
    });

    it('follows the separators of the domain, and none when off', async () => {
      await repo.setDomainRouting('example.org', { subaddressSeparators: '-' });
      const r = await svc.resolve('alice-lists@example.org');
      assert.deepEqual(r.kind === 'local' && r.deliverTo, [{ accountId: ids['alice@example.org'], address: 'alice@example.org', detail: 'lists' }]);
      assert.deepEqual(await svc.resolve('alice+lists@example.org'), { kind: 'unknown' });
      assert.equal(await svc.maySendAs(ids['alice@example.org'], 'alice-x@example.org'), true);
      assert.equal((await svc.resolve('carol+x@other.test')).kind, 'local', 'other domains keep +');
      await repo.setDomainRouting('example.org', { subaddressSeparators: '' });
      assert.deepEqual(await svc.resolve('alice-lists@example.org'), { kind: 'unknown' });
      assert.equal(await svc.maySendAs(ids['alice@example.org'], 'alice-x@example.org'), false);
    });

    it('prefers an exact holder over a tag, and keeps a long tag within bounds', async () => {
      await repo.setDomainRouting('example.org', { subaddressSeparators: '-' });
      const exact = (await dir.createAccount({ address: 'alice-b@example.org', password: 'password1' })).id;
      const r = await svc.resolve('alice-b@example.org');
      assert.deepEqual(r.kind === 'local' && r.deliverTo, [{ accountId: exact, address: 'alice-b@example.org' }]);
      const long = await svc.resolve(`alice-${'t'.repeat(200)}@example.org`);
      assert.equal(long.kind === 'local' && long.deliverTo[0].detail?.length, 64);
    });
  });
});
