import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TraceFilter, type TrackedStep } from '@mail/contracts';
import { runMigrations, scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { traceMigrations } from './migrations/trace-migrations.js';
import { TraceRepository } from './trace.repository.js';
import { TraceRetention } from './trace-retention.js';
import { TraceWriter } from './trace-writer.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const step = (s: Partial<TrackedStep> & Pick<TrackedStep, 'event'>, sec: number): TrackedStep => ({ at: at(sec), sender: 'ann@contoso.com', service: 'delivery', ...s });

/** the steps of a few messages, as smtp-in and delivery publish them */
function scenario(): TrackedStep[][] {
  const a = { traceKey: 'sessA.1', queueId: 'qA', messageId: '<a1@contoso.com>', traceId: 'a'.repeat(32) };
  const b = { traceKey: 'qB', queueId: 'qB', messageId: '<b1@fabrikam.test>', sender: 'bob@fabrikam.test' };
  return [
    // smtp-in refused one recipient of A before the queue accepted it for the other: may arrive first
    [step({ event: 'rejected', traceKey: a.traceKey, recipient: 'nobody@x.test', detail: 'RCPT TO refused: 550 5.1.1 <nobody@x.test>: recipient not found', service: 'smtp-in', clientIp: '192.0.2.7', messageId: null }, 0)],
    [
      step({ event: 'received', ...a, detail: 'smtp port 25 from 192.0.2.7', service: 'smtp-in', clientIp: '192.0.2.7' }, 1),
      step({ event: 'queued', ...a, recipient: 'Tina@X.test' }, 1),
      step({ event: 'received', ...b, service: 'smtp-in', clientIp: '198.51.100.2' }, 2),
      step({ event: 'queued', ...b, recipient: 'z@remote.test' }, 2),
    ],
    [
      step({ event: 'delivered', ...a, recipient: 'tina@x.test', detail: 'delivered locally' }, 3),
      step({ event: 'deferred', ...b, recipient: 'z@remote.test', detail: '451 try later', nextAttemptAt: at(600) }, 3),
      step({ event: 'relayed', ...b, recipient: 'z@remote.test', detail: '250 2.0.0 ok', remoteHost: 'mx.remote.test:25', connector: 'to-remote' }, 700),
    ],
  ];
}

function suite(name: string, open: () => Promise<ScratchDatabase>) {
  describe(`trace store: ${name}`, () => {
    let env: ScratchDatabase;
    let repo: TraceRepository;
    const search = (f: Record<string, unknown>) => repo.search(TraceFilter.parse(f));
    before(async () => {
      env = await open();
      await runMigrations(env.db, 'trace', traceMigrations);
      repo = new TraceRepository(env.db);
      const writer = new TraceWriter(repo, createLogger('test', 'silent'), { maxBatch: 3 });
      for (const batch of scenario()) writer.add(batch);
      await writer.flush();
    });
    after(() => env?.drop());

    it('finds a message by sender, with every step, its recipients and a status from their latest steps', async () => {
      const [m, ...rest] = await search({ sender: 'ann@contoso.com' });
      assert.equal(rest.length, 0);
      assert.equal(m.messageId, '<a1@contoso.com>');
      assert.equal(m.traceId, 'a'.repeat(32));
      assert.equal(m.receivedAt, at(0), 'the earliest step of the transaction');
      assert.deepEqual(m.recipients, ['nobody@x.test', 'tina@x.test']);
      assert.deepEqual(m.events.map((e) => [e.event, e.recipient, e.service]), [
        ['rejected', 'nobody@x.test', 'smtp-in'],
        ['received', null, 'smtp-in'],
        ['queued', 'tina@x.test', 'delivery'],
        ['delivered', 'tina@x.test', 'delivery'],
      ]);
      assert.equal(m.status, 'partial', 'one refused, one delivered');
    });

    it('searches by wildcard domain, recipient, Message-ID, client IP; shows the remote host and the next attempt', async () => {
      assert.deepEqual((await search({ sender: '*@FABRIKAM.test' })).map((m) => m.messageId), ['<b1@fabrikam.test>']);
      assert.deepEqual((await search({ recipient: '*@remote.test' })).map((m) => m.messageId), ['<b1@fabrikam.test>']);
      assert.deepEqual((await search({ recipient: 'tina@x.test' })).map((m) => m.messageId), ['<a1@contoso.com>']);
      assert.deepEqual((await search({ messageId: 'b1@fabrikam.test' })).map((m) => m.sender), ['bob@fabrikam.test']);
      assert.deepEqual((await search({ clientIp: '192.0.2.*' })).map((m) => m.sender), ['ann@contoso.com']);
      const [b] = await search({ messageId: '<b1@fabrikam.test>' });
      assert.equal(b.status, 'delivered');
      const relayed = b.events.find((e) => e.event === 'relayed');
      assert.equal(relayed?.connector, 'to-remote');
      assert.match(relayed?.detail ?? '', /250 2\.0\.0 ok; remote host mx\.remote\.test:25/);
      assert.match(b.events.find((e) => e.event === 'deferred')?.detail ?? '', /451 try later; next attempt 2026-03-01T10:10:00/);
    });

    it('filters by status and time, and matches _ and % literally', async () => {
      assert.deepEqual((await search({ sender: '*', recipient: '*@*', status: 'delivered' }).catch(() => 'refused')), 'refused', 'a pattern of only * is refused');
      assert.deepEqual((await search({ sender: '*.com', status: 'partial' })).length, 1);
      assert.deepEqual((await search({ sender: '*.com', status: 'delivered' })).length, 0);
      assert.deepEqual((await search({ sender: '*@*', since: at(2), until: at(5) })).map((m) => m.sender), ['bob@fabrikam.test']);
      assert.deepEqual(await search({ sender: 'ann_contoso.com' }), []);
      assert.deepEqual(await search({ sender: 'ann@contoso%' }), []);
    });

    it('forgets what is past retention', async () => {
      const retention = new TraceRetention(repo, 1, createLogger('test', 'silent'));
      assert.deepEqual(await retention.sweep(new Date(T0 + 3_600_000)), { messages: 0, events: 0 });
      const swept = await retention.sweep(new Date(T0 + 86_400_000 + 5_000));
      assert.deepEqual(swept, { messages: 2, events: 7 }, 'every step but the relayed one at +700 s');
      assert.deepEqual(await search({ sender: '*@*' }), []);
    });
  });
}

suite('PGlite', scratchPglite);
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) suite('PostgreSQL', () => scratchPostgres(adminUrl, 'trace_spec'));
