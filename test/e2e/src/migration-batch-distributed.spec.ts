// Migration batches in the distributed mode: the batch runs in the migration service (two
// replicas sharing the users through their PostgreSQL leases), the old server is the platform's
// own IMAP listener with a certificate from a CA the migration service trusts (REMOTE_TLS_CA_FILE).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { exposedMetricNames, serverTlsFromTestCa, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';
import { NEW_PASSWORD, OLD_PASSWORD, assertSameMessages, csvFile, mailboxContents, ok, seed, waitFor } from './migration-batch-scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;
const USERS = ['ann', 'bob', 'carl', 'dora'];

if (!databaseAdminUrl || !natsUrl) {
  test('migration batches (distributed mode) need TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  describe('migration batches (distributed mode, two migration replicas)', { timeout: 240_000 }, () => {
    let p: DistributedPlatform;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'migration-dist-'));
      const tls = await serverTlsFromTestCa(dir);
      p = await startDistributedPlatform({
        databaseAdminUrl,
        natsUrl,
        env: {
          ...tls.env,
          REMOTE_TLS_CA_FILE: tls.pki.caFile,
          MIGRATION_BATCH_POLL_MS: '100',
          MIGRATION_BATCH_CHUNK: '10',
        },
      });
      await p.addReplica('migration');
      await ok(p, ['domain', 'add', 'old.test']);
      await ok(p, ['domain', 'add', 'new.test']);
      for (const u of USERS) {
        await ok(p, ['user', 'add', `${u}@old.test`, '--password', OLD_PASSWORD]);
        await ok(p, ['user', 'add', `${u}@new.test`, '--password', NEW_PASSWORD]);
      }
    });
    after(async () => {
      await p?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('copies every user once across the replicas, folders, flags and dates kept, and exports the batch metrics', async () => {
      for (const [i, u] of USERS.entries()) {
        await seed(
          p,
          `${u}@old.test`,
          Array.from({ length: 25 + i }, (_, k) => ({ folder: k % 5 ? 'INBOX' : 'Sent', flags: k % 2 ? ['\\Seen', `tag${i}`] : [], date: new Date(Date.UTC(2020, i, 1 + k)) })),
        );
      }
      const csv = await csvFile(USERS.map((u) => [`${u}@new.test`, `${u}@old.test`, OLD_PASSWORD]));
      await ok(p, ['migration', 'create', 'dist', '--csv', csv, '--host', '127.0.0.1', '--port', String(p.ports.imap), '--tls', 'starttls', '--max-connections', '2']);
      await ok(p, ['migration', 'start', 'dist']);
      const synced = await waitFor(p, 'dist', (s) => s.state === 'synced', 120_000);
      assert.deepEqual(
        synced.users.map((u) => [u.emailAddress, u.state, u.messagesDone]),
        USERS.map((u, i) => [`${u}@new.test`, 'synced', 25 + i]),
      );
      for (const u of USERS) {
        const before = await mailboxContents(p, `${u}@old.test`, OLD_PASSWORD);
        const after = await mailboxContents(p, `${u}@new.test`, NEW_PASSWORD);
        for (const folder of ['INBOX', 'Sent']) assertSameMessages(`${u} ${folder}`, before.get(folder) ?? [], after.get(folder) ?? []);
      }
      const migrationServices = p.services.filter((s) => s.name === 'migration');
      assert.equal(migrationServices.length, 2);
      const exported = new Set<string>();
      for (const svc of migrationServices) {
        for (const name of exposedMetricNames(await (await fetch(`http://127.0.0.1:${svc.httpPort}/metrics`)).text())) exported.add(name);
      }
      for (const m of ['mail_migration_messages_total', 'mail_migration_bytes_total', 'mail_migration_user_jobs_total']) assert.ok(exported.has(m), `no migration replica exports ${m}`);
    });
  });
}
