import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DirectoryService } from './directory.service.js';
import { FakePasswordHasher } from './fake-password-hasher.js';
import { InMemoryDirectoryRepository } from './in-memory-directory.repository.js';
import { RecipientService } from './recipient.service.js';

describe('RecipientService', () => {
  let repo: InMemoryDirectoryRepository;
  let dir: DirectoryService;
  let svc: RecipientService;
  let truncated: string[];
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    repo = new InMemoryDirectoryRepository();
    dir = new DirectoryService(repo, new FakePasswordHasher());
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
    assert.deepEqual(await svc.resolve('alice+News@example.org'), expect);
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
});
