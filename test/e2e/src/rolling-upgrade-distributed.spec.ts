import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import nodemailer from 'nodemailer';
import { NatsBus } from '@mail/bus';
import { ListDomains, MessageTracked } from '@mail/contracts';
import { openDatabase, runMigrations } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { mailctl, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';
import type { ImapFlow } from 'imapflow';
import { traceUntil } from './message-trace.js';
import { sampleMessage } from './messages.js';
import { imapClient, waitForMessages } from './scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;
const USER = 'una@upgrade.test';
const PASSWORD = 'correct horse battery';

/**
 * What the next release's migration may do to a schema while this release's replicas serve (ADR
 * 0038, expand/contract): add nullable columns, columns with a default, tables and indexes, and
 * record its own migration id. Run through runMigrations (the advisory lock and the
 * schema_migrations table every replica uses at start) from a connection of its own.
 */
function expandMigration(schema: string, tables: string[]) {
  const sql = tables
    .map((t) => `ALTER TABLE ${schema}.${t} ADD COLUMN next_release_note text; ALTER TABLE ${schema}.${t} ADD COLUMN next_release_flag integer NOT NULL DEFAULT 0;`)
    .concat(`CREATE TABLE ${schema}.next_release_table (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);`)
    .join('\n');
  return [{ id: 'zzzz-next-release-expand', sql }];
}

if (!databaseAdminUrl || !natsUrl) {
  test('the rolling-upgrade scenario needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the rolling-upgrade scenario is mandatory');
  });
} else {
  /**
   * A rolling upgrade as Kubernetes does it (docs/operations.md, ADR 0038), the parts that can be
   * shown without building the previous release: while mail flows through this release's replicas,
   * (1) the next release's expand migration runs on every schema, and the running replicas keep
   * serving on the wider schema (no INSERT without a column list, no row read by position); (2)
   * replicas started afterwards (a restart, a rollback, or the new ones) accept a migration id they
   * do not know; (3) a newer peer's bus request and event with unknown fields are served and
   * recorded. Every message accepted during the upgrade is delivered exactly once, and an IMAP
   * session open across it sees them.
   */
  describe('rolling upgrade: this release beside the next one', { timeout: 300_000 }, () => {
    let p: DistributedPlatform;
    let watcher: ImapFlow;

    before(async () => {
      p = await startDistributedPlatform({ databaseAdminUrl, natsUrl });
      for (const args of [['domain', 'add', 'upgrade.test'], ['user', 'add', USER, '--password', PASSWORD]]) {
        const r = await mailctl(p, args);
        assert.equal(r.code, 0, r.stderr);
      }
      watcher = imapClient(p, USER, PASSWORD);
      await watcher.connect();
      await watcher.mailboxOpen('INBOX');
    });
    after(async () => {
      await watcher?.logout().catch(() => undefined);
      await p?.close();
    });

    it('keeps delivering, exactly once, while the schema expands and new replicas join', async () => {
      // mail keeps arriving through the old smtp-in for the whole upgrade
      let sending = true;
      let accepted = 0;
      const mx = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, secure: false, ignoreTLS: true });
      const sender = (async () => {
        while (sending) {
          const n = accepted + 1;
          const m = sampleMessage({ from: 'ann@contoso.test', to: USER, subject: `during the upgrade ${n}` });
          await mx.sendMail({ envelope: { from: 'ann@contoso.test', to: [USER] }, raw: m.raw });
          accepted = n;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();

      // (1) the next release migrates every schema from a connection of its own
      const db = await openDatabase({ url: p.databaseUrl, poolSize: 2, applicationName: 'next-release' });
      try {
        const { rows } = await db.query<{ table_schema: string; table_name: string }>(
          `SELECT table_schema, table_name FROM information_schema.tables
           WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema', 'public') AND table_name <> 'schema_migrations'`,
        );
        const bySchema = new Map<string, string[]>();
        for (const r of rows) bySchema.set(r.table_schema, [...(bySchema.get(r.table_schema) ?? []), r.table_name]);
        assert.ok(bySchema.size >= 4, `schemas found: ${[...bySchema.keys()].join(', ')}`);
        for (const [schema, tables] of bySchema) assert.deepEqual(await runMigrations(db, schema, expandMigration(schema, tables)), ['zzzz-next-release-expand'], schema);
      } finally {
        await db.close();
      }
      await waitForMessages(watcher, accepted + 1, 30_000).catch(() => undefined);

      // (2) replicas that start now find a migration id they do not know, and columns they do not use
      await p.addReplica('smtp-in');
      await p.addReplica('delivery');
      await p.addReplica('access');
      await p.addReplica('store');

      // (3) a newer peer on the bus: fields this release does not know
      const bus = await NatsBus.connect({ url: natsUrl, service: 'next-release', prefix: p.services[0].env.BUS_PREFIX, logger: createLogger('next-release', 'silent') });
      try {
        const listed = await bus.request(ListDomains, { includeFutureFields: true } as never);
        assert.ok(listed.domains.some((d) => d.name === 'upgrade.test'));
        await bus.publish(MessageTracked, {
          steps: [{ event: 'received', at: new Date().toISOString(), traceKey: 'next-release-1', sender: 'newer@peer.test', service: 'smtp-in', detail: 'from the next release', addedInNextRelease: 'x' }],
          batchOrigin: 'next-release',
        } as never);
      } finally {
        await bus.close();
      }
      await traceUntil(p, { sender: 'newer@peer.test' }, (m) => m.events.some((e) => e.detail === 'from the next release'));

      sending = false;
      await sender;
      assert.ok(accepted >= 5, `only ${accepted} messages went through during the upgrade`);
      await waitForMessages(watcher, accepted, 60_000);
      const status = (await watcher.status('INBOX', { messages: true })) as { messages?: number };
      assert.equal(status.messages, accepted, 'every accepted message delivered once');
      // the session opened before the upgrade sees them (NOOP fetches the EXISTS)
      await watcher.noop();
      assert.equal((watcher.mailbox as { exists?: number }).exists, accepted);
      const subjects = new Set<string>();
      for await (const m of watcher.fetch('1:*', { envelope: true })) subjects.add(m.envelope?.subject ?? '');
      assert.equal(subjects.size, accepted, 'no duplicates');
    });
  });
}
