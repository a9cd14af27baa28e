import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, InProcessBus } from '@mail/bus';
import {
  AuthPing,
  CheckSender,
  ContractError,
  CreateAccount,
  CreateAlias,
  CreateDomain,
  CreateGroup,
  DeleteAccount,
  DeleteAlias,
  DeleteDomain,
  DeleteGroup,
  GetAccount,
  GetGroup,
  ListAccounts,
  ListAliases,
  ListDomains,
  ListGroups,
  ResolveRecipient,
  SetPassword,
  UpdateGroupMembers,
  VerifyLogin,
} from '@mail/contracts';
import { Database, scratchPglite, scratchPostgres } from '@mail/db';
import { AuthModule } from './auth.module.js';

const rejectsWith = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (err: unknown) => err instanceof ContractError && err.code === code && (!message || message.test(err.message)));

function handlerSuite(name: string, open: () => Promise<{ db: Database; drop(): Promise<void> }>) {
  describe(`auth handlers over the bus (${name})`, () => {
    let app: INestApplicationContext;
    let bus: InProcessBus;
    let drop: () => Promise<void>;
    let aliceId: string;

    before(async () => {
      const opened = await open();
      drop = opened.drop;
      bus = new InProcessBus({ service: 'auth' });
      @Global()
      @Module({ providers: [{ provide: Bus, useValue: bus }, { provide: Database, useValue: opened.db }], exports: [Bus, Database] })
      class TestInfra {}
      @Module({ imports: [TestInfra, AuthModule.forRoot({ loginDelayMs: 1, lockout: { maxFailures: 3 }, throttle: { penaltyMs: [] } })] })
      class Root {}
      app = await NestFactory.createApplicationContext(Root, { logger: false });
      await app.init();
    });

    after(async () => {
      await app?.close();
      await bus?.close();
      await drop?.();
    });

    it('answers the ping', async () => {
      assert.deepEqual(await bus.request(AuthPing, {}), { ok: true });
    });

    it('provisions domains, accounts and aliases', async () => {
      const d = await bus.request(CreateDomain, { name: 'Example.org' });
      assert.equal(d.name, 'example.org');
      await rejectsWith(bus.request(CreateDomain, { name: 'example.org' }), 'CONFLICT');
      await bus.request(CreateDomain, { name: 'other.test' });
      assert.deepEqual((await bus.request(ListDomains, {})).domains.map((x) => x.name), ['example.org', 'other.test']);

      const alice = await bus.request(CreateAccount, { address: 'Alice@Example.org', password: 'right-password', displayName: 'Alice', quotaBytes: 5_000_000_000 });
      aliceId = alice.id;
      assert.equal(alice.address, 'alice@example.org');
      assert.equal(alice.quotaBytes, 5_000_000_000);
      await bus.request(CreateAccount, { address: 'bob@other.test', password: 'right-password' });
      await rejectsWith(bus.request(CreateAccount, { address: 'carol@unhosted.test', password: 'right-password' }), 'NOT_FOUND', /domain unhosted\.test is not hosted here/);
      await rejectsWith(bus.request(CreateAccount, { address: 'ALICE@example.org', password: 'right-password' }), 'CONFLICT');
      await rejectsWith(bus.request(CreateAccount, { address: 'short@example.org', password: 'short' }), 'INVALID', /at least 8/);

      const alias = await bus.request(CreateAlias, { address: 'team@example.org', targets: ['alice@example.org', 'bob+team@other.test', 'ext@remote.test'] });
      assert.deepEqual(alias.targets, ['alice@example.org', 'bob+team@other.test', 'ext@remote.test']);
      await rejectsWith(bus.request(CreateAlias, { address: 'alice@example.org', targets: ['x@remote.test'] }), 'CONFLICT');
      await rejectsWith(bus.request(CreateAccount, { address: 'team@example.org', password: 'right-password' }), 'CONFLICT');

      assert.deepEqual((await bus.request(ListAccounts, { domain: 'example.org' })).accounts.map((a) => a.address), ['alice@example.org']);
      assert.equal((await bus.request(ListAccounts, {})).accounts.length, 2);
      assert.equal((await bus.request(GetAccount, { address: 'alice@example.org' })).displayName, 'Alice');
      assert.deepEqual((await bus.request(ListAliases, {})).aliases.map((a) => a.address), ['team@example.org']);
    });

    it('resolves recipients', async () => {
      assert.deepEqual(await bus.request(ResolveRecipient, { address: 'someone@remote.test' }), { kind: 'remote' });
      assert.deepEqual(await bus.request(ResolveRecipient, { address: 'nobody@example.org' }), { kind: 'unknown' });
      assert.deepEqual(await bus.request(ResolveRecipient, { address: 'ALICE+tag@example.org' }), {
        kind: 'local',
        deliverTo: [{ accountId: aliceId, address: 'alice@example.org', detail: 'tag', quota: { bytes: 5_000_000_000, messages: null, overQuota: 'defer' } }],
        forwardTo: [],
      });
      const team = await bus.request(ResolveRecipient, { address: 'team@example.org' });
      assert.equal(team.kind, 'local');
      if (team.kind === 'local') {
        assert.deepEqual(team.deliverTo.map((x) => x.address).sort(), ['alice@example.org', 'bob@other.test']);
        assert.deepEqual(team.forwardTo, ['ext@remote.test']);
      }
    });

    it('keeps groups in SQL: nested with a loop, members updated, restricted, gone with the group', async () => {
      const created = await bus.request(CreateGroup, { address: 'staff@example.org', displayName: 'Staff', members: ['alice@example.org', 'inner@example.org'] });
      assert.deepEqual(created.members, ['alice@example.org', 'inner@example.org']);
      await bus.request(CreateGroup, { address: 'inner@example.org', hostedSendersOnly: true, members: ['staff@example.org', 'bob@other.test'] });
      await rejectsWith(bus.request(CreateAlias, { address: 'staff@example.org', targets: ['x@remote.test'] }), 'CONFLICT', /already a group/);
      const r = await bus.request(ResolveRecipient, { address: 'staff@example.org' });
      assert.ok(r.kind === 'local');
      assert.deepEqual(r.deliverTo.map((x) => x.address).sort(), ['alice@example.org', 'bob@other.test']);
      assert.equal(r.hostedSendersOnly, true);
      const updated = await bus.request(UpdateGroupMembers, { address: 'inner@example.org', add: ['ext@remote.test', 'bob@other.test'], remove: ['staff@example.org'] });
      assert.deepEqual(updated.members, ['bob@other.test', 'ext@remote.test']);
      assert.deepEqual((await bus.request(GetGroup, { address: 'inner@example.org' })).hostedSendersOnly, true);
      assert.deepEqual((await bus.request(ListGroups, { domain: 'example.org' })).groups.map((g) => g.address), ['inner@example.org', 'staff@example.org']);
      assert.deepEqual(await bus.request(DeleteGroup, { address: 'inner@example.org' }), { deleted: true });
      assert.deepEqual(await bus.request(DeleteGroup, { address: 'staff@example.org' }), { deleted: true });
      assert.deepEqual((await bus.request(ListGroups, {})).groups, []);
    });

    it('checks senders', async () => {
      assert.deepEqual(await bus.request(CheckSender, { accountId: aliceId, address: 'alice@example.org' }), { allowed: true });
      assert.deepEqual(await bus.request(CheckSender, { accountId: aliceId, address: 'team@example.org' }), { allowed: true });
      assert.deepEqual(await bus.request(CheckSender, { accountId: aliceId, address: 'bob@other.test' }), { allowed: false });
    });

    it('verifies logins with real argon2 and locks out guessers', async () => {
      const ok = await bus.request(VerifyLogin, { username: 'alice@example.org', password: 'right-password', protocol: 'imap', remoteAddress: '192.0.2.9' });
      assert.deepEqual(ok, { ok: true, accountId: aliceId, address: 'alice@example.org' });
      assert.deepEqual(await bus.request(VerifyLogin, { username: 'nobody@example.org', password: 'x', protocol: 'pop3' }), { ok: false, reason: 'invalid' });
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await bus.request(VerifyLogin, { username: 'alice@example.org', password: 'wrong', protocol: 'smtp', remoteAddress: '192.0.2.66' }), {
          ok: false,
          reason: 'invalid',
        });
      }
      assert.deepEqual(await bus.request(VerifyLogin, { username: 'alice@example.org', password: 'right-password', protocol: 'smtp', remoteAddress: '192.0.2.66' }), {
        ok: false,
        reason: 'locked',
      });
      assert.equal((await bus.request(VerifyLogin, { username: 'alice@example.org', password: 'right-password', protocol: 'smtp', remoteAddress: '192.0.2.9' })).ok, true);
    });

    it('verifies no more than the lockout limit of 200 parallel guesses (counted before the hash, atomically)', async () => {
      const guesses = await Promise.all(
        Array.from({ length: 200 }, () => bus.request(VerifyLogin, { username: 'bob@other.test', password: 'wrong', protocol: 'imap', remoteAddress: '192.0.2.77' })),
      );
      const reasons = guesses.map((g) => (g.ok ? 'ok' : g.reason));
      assert.equal(reasons.filter((r) => r === 'invalid').length, 3);
      assert.equal(reasons.filter((r) => r === 'locked').length, 197);
    });

    it('changes passwords', async () => {
      await bus.request(SetPassword, { address: 'alice@example.org', password: 'brand-new-password' });
      assert.equal((await bus.request(VerifyLogin, { username: 'alice@example.org', password: 'brand-new-password', protocol: 'imap' })).ok, true);
      assert.equal((await bus.request(VerifyLogin, { username: 'alice@example.org', password: 'right-password', protocol: 'imap' })).ok, false);
      await rejectsWith(bus.request(SetPassword, { address: 'nobody@example.org', password: 'brand-new-password' }), 'NOT_FOUND');
    });

    it('deletes, refusing a domain that still has accounts', async () => {
      await rejectsWith(bus.request(DeleteDomain, { name: 'example.org' }), 'CONFLICT', /still has 1 account/);
      assert.deepEqual(await bus.request(DeleteAccount, { address: 'alice@example.org' }), { deleted: true, accountId: aliceId });
      await rejectsWith(bus.request(GetAccount, { address: 'alice@example.org' }), 'NOT_FOUND');
      assert.deepEqual(await bus.request(DeleteAlias, { address: 'team@example.org' }), { deleted: true });
      await rejectsWith(bus.request(DeleteAlias, { address: 'team@example.org' }), 'NOT_FOUND');
      assert.deepEqual(await bus.request(DeleteDomain, { name: 'example.org' }), { deleted: true });
      assert.deepEqual((await bus.request(ListDomains, {})).domains.map((x) => x.name), ['other.test']);
    });
  });
}

handlerSuite('PGlite', () => scratchPglite());

if (process.env.TEST_DATABASE_URL) handlerSuite('PostgreSQL', () => scratchPostgres(process.env.TEST_DATABASE_URL!, 'auth_test'));
