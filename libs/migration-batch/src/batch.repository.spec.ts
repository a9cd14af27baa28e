import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runMigrations, scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';
import { SecretBox } from '@mail/secrets';
import { BatchRepository } from './batch.repository.js';
import { BatchService } from './batch.service.js';
import { batchMigrations } from './migrations/001-batches.js';

const users = (n: number, domain = 'new.test') => Array.from({ length: n }, (_, i) => ({ emailAddress: `u${i}@${domain}`, userName: `u${i}`, password: `secret-${i}` }));
const create = (name: string, host: string, n: number, maxConnections = 2) => ({ name, host, port: 993, tls: 'implicit' as const, insecure: false, maxConnections, messagesPerSecond: 100, users: users(n) });

function suite(name: string, open: () => Promise<ScratchDatabase>) {
  describe(`migration batches in the database (${name})`, () => {
    let env: ScratchDatabase;
    let repo: BatchRepository;
    let service: BatchService;
    before(async () => {
      env = await open();
      await runMigrations(env.db, 'migration_batch', batchMigrations);
      repo = new BatchRepository(env.db);
      service = new BatchService(env.db, repo, new SecretBox([randomBytes(32)]));
    });
    after(async () => {
      await env.drop();
    });

    it('seals passwords and never answers them', async () => {
      await service.create(create('sealed', 'imap.sealed.test', 2));
      const { rows } = await env.db.query<{ password_sealed: string }>('SELECT password_sealed FROM migration_batch.users');
      assert.ok(rows.every((r) => r.password_sealed.startsWith('s1.') && !r.password_sealed.includes('secret')));
      assert.doesNotMatch(JSON.stringify(await service.get({ name: 'sealed', offset: 0, limit: 500 })), /secret-/);
      await assert.rejects(service.create(create('SEALED', 'x.test', 1)), /exists/);
    });

    it('caps the connections to one host across batches, and takes an expired lease over', async () => {
      await service.create(create('a', 'imap.old.test', 3, 2));
      await service.create(create('b', 'IMAP.OLD.TEST', 2, 2));
      await service.change({ name: 'a', action: 'start' });
      await service.change({ name: 'b', action: 'start' });
      const first = await repo.claim('w1', 60_000);
      const second = await repo.claim('w2', 60_000);
      assert.ok(first && second);
      assert.equal(await repo.claim('w3', 60_000), null, 'a third connection to the same host');
      // w1 dies: its lease runs out, and the user is claimable again
      await env.db.query(`UPDATE migration_batch.users SET lease_until = now() - interval '1 second' WHERE id = $1`, [first.id]);
      const taken = await repo.claim('w3', 60_000);
      assert.equal(taken?.id, first.id);
      assert.equal(await repo.renew(first.id, 'w1', 60_000), false, 'the dead worker lost its lease');
      await repo.finish(taken!.id, 'w3', { state: 'synced' });
      await repo.finish(second.id, 'w2', { state: 'synced' });
      // out of the way of the next tests' claims
      for (const name of ['a', 'b']) await service.change({ name, action: 'stop' });
    });

    it('stop tells a running worker through its renewal, stops queued users, and settles the batch when the worker has left', async () => {
      await service.create(create('s', 'imap.stop.test', 3, 1));
      await service.change({ name: 's', action: 'start' });
      const running = await repo.claim('w1', 60_000);
      assert.ok(running);
      assert.equal(await repo.renew(running.id, 'w1', 60_000), true);
      const stopping = await service.change({ name: 's', action: 'stop' });
      assert.equal(stopping.state, 'stopping');
      assert.equal(await repo.renew(running.id, 'w1', 60_000), false);
      await repo.finish(running.id, 'w1', { state: 'stopped' });
      await repo.settleBatches();
      const stopped = await service.get({ name: 's', offset: 0, limit: 500 });
      assert.equal(stopped.state, 'stopped');
      assert.deepEqual(stopped.counts.byState, { stopped: 3 });
      const resumed = await service.change({ name: 's', action: 'resume' });
      assert.equal(resumed.state, 'running');
      assert.deepEqual(resumed.counts.byState, { queued: 3 });
      await assert.rejects(service.change({ name: 's', action: 'complete' }), /cannot complete batch s: it is running/);
      await service.change({ name: 's', action: 'stop' });
    });

    it('says when the next user comes due: a retry, a lease running out; nothing in a batch that is not running', async () => {
      // the earlier tests leave no queued user in a running batch and no running user
      assert.equal(await repo.msUntilDue(), null);
      await service.create(create('due', 'imap.due.test', 2, 2));
      assert.equal(await repo.msUntilDue(), null, 'queued users of a batch not started wait for nothing');
      await service.change({ name: 'due', action: 'start' });
      assert.ok((await repo.msUntilDue())! <= 0, 'queued and due now');
      const a = await repo.claim('w1', 60_000);
      const b = await repo.claim('w2', 60_000);
      assert.ok(a && b);
      const leased = (await repo.msUntilDue())!;
      assert.ok(leased > 50_000 && leased <= 60_000, `the leases run out in ~60 s: ${leased}`);
      await repo.finish(a.id, 'w1', { state: 'queued', retryInMs: 30_000 });
      const retry = (await repo.msUntilDue())!;
      assert.ok(retry > 20_000 && retry <= 30_000, `the retry in ~30 s comes first: ${retry}`);
      await repo.finish(b.id, 'w2', { state: 'synced' });
      await service.change({ name: 'due', action: 'stop' });
      assert.equal(await repo.msUntilDue(), null, 'a stopped batch waits for nothing');
    });

    it('records progress per folder and sums it per user', async () => {
      const batch = await service.create(create('p', 'imap.progress.test', 1, 1));
      await service.change({ name: 'p', action: 'start' });
      const user = await repo.claim('w1', 60_000);
      assert.ok(user && user.batch_id === batch.id);
      await repo.saveFolder(user.id, { remotePath: 'INBOX', localName: 'INBOX', uidValidity: 2 ** 32 - 1, lastUid: 40, total: 50, done: 40, bytes: 4000, errors: 1, lastError: 'x' });
      await repo.saveFolder(user.id, { remotePath: 'Sent Items', localName: 'Sent', uidValidity: 5, lastUid: 9, total: 9, done: 9, bytes: 900, errors: 0, lastError: null });
      assert.equal((await repo.loadFolder(user.id, 'INBOX'))?.uidValidity, 2 ** 32 - 1);
      const view = await service.get({ name: 'p', user: 'u0@new.test', offset: 0, limit: 500 });
      assert.deepEqual([view.users[0].folders, view.users[0].messagesDone, view.users[0].messagesTotal, view.users[0].bytesDone, view.users[0].errors], [2, 49, 59, 4900, 1]);
      assert.deepEqual(view.users[0].folderDetails?.map((f) => f.localName), ['INBOX', 'Sent']);
    });
  });
}

suite('PGlite', scratchPglite);
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) suite('PostgreSQL', () => scratchPostgres(adminUrl));
