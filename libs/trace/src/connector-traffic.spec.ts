import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TrackedStep } from '@mail/contracts';
import { runMigrations, scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { connectorTraffic } from './connector-traffic.js';
import { traceMigrations } from './migrations/trace-migrations.js';
import { TraceRepository } from './trace.repository.js';
import { statusOf } from './trace-status.js';
import { TraceWriter } from './trace-writer.js';

const NOW = new Date('2026-03-02T12:00:00Z');
/** `minutes` before NOW */
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const step = (s: Partial<TrackedStep> & Pick<TrackedStep, 'event'>, minutes: number, key: string): TrackedStep => ({ at: ago(minutes), sender: 'ann@contoso.com', service: 'smtp-in', traceKey: key, ...s });

function steps(): TrackedStep[] {
  return [
    // Contoso: two accepted (one 10 min ago, one 5 h ago), a refusal at MAIL FROM 2 h ago, one 3 days ago (outside the day)
    step({ event: 'received', connector: 'Contoso' }, 10, 'k1'),
    step({ event: 'queued', connector: 'Contoso', recipient: 'a@x.test' }, 10, 'k1'),
    step({ event: 'received', connector: 'Contoso' }, 300, 'k2'),
    step({ event: 'rejected', connector: 'Contoso', detail: 'MAIL FROM refused: 530 5.7.10 connector "Contoso" requires TLS' }, 120, 'k3'),
    step({ event: 'rejected', connector: 'Contoso', detail: 'old' }, 3 * 24 * 60, 'k4'),
    // Northwind (outbound): relayed, deferred then bounced
    step({ event: 'relayed', connector: 'Northwind', recipient: 'x@n.test', service: 'delivery' }, 30, 'k5'),
    step({ event: 'deferred', connector: 'Northwind', recipient: 'y@n.test', service: 'delivery', detail: '451 4.7.5 certificate' }, 50, 'k6'),
    step({ event: 'bounced', connector: 'Northwind', recipient: 'y@n.test', service: 'delivery', detail: '550 5.1.1 no such user' }, 20, 'k6'),
    // no connector: never counted
    step({ event: 'received' }, 5, 'k7'),
    // in the future of NOW: not yet
    step({ event: 'received', connector: 'Contoso' }, -10, 'k8'),
  ];
}

function suite(name: string, open: () => Promise<ScratchDatabase>) {
  describe(`connector traffic from the trace: ${name}`, () => {
    let env: ScratchDatabase;
    before(async () => {
      env = await open();
      await runMigrations(env.db, 'trace', traceMigrations);
      const writer = new TraceWriter(new TraceRepository(env.db), createLogger('test', 'silent'));
      writer.add(steps());
      await writer.flush();
    });
    after(() => env?.drop());

    it('counts the last hour and day per connector and finds the latest success and failure', async () => {
      const all = await connectorTraffic(env.db, undefined, NOW);
      assert.deepEqual(all.map((c) => c.connector), ['Contoso', 'Northwind']);
      const [contoso, northwind] = all;
      assert.deepEqual(contoso.lastHour, { accepted: 1, refused: 0, relayed: 0, deferred: 0, failed: 0 });
      assert.deepEqual(contoso.lastDay, { accepted: 2, refused: 1, relayed: 0, deferred: 0, failed: 0 });
      assert.equal(contoso.lastSuccess?.at, ago(10));
      assert.deepEqual([contoso.lastFailure?.at, contoso.lastFailure?.event], [ago(120), 'rejected']);
      assert.match(contoso.lastFailure?.detail ?? '', /5\.7\.10/);
      assert.deepEqual(northwind.lastHour, { accepted: 0, refused: 0, relayed: 1, deferred: 1, failed: 1 });
      assert.deepEqual([northwind.lastFailure?.event, northwind.lastFailure?.recipient], ['bounced', 'y@n.test']);
    });

    it('answers for named connectors only, with zeros for one the trace never saw', async () => {
      const some = await connectorTraffic(env.db, ['Northwind', 'Quiet'], NOW);
      assert.deepEqual(some.map((c) => c.connector), ['Northwind', 'Quiet']);
      assert.deepEqual([some[1].lastDay.accepted, some[1].lastSuccess, some[1].lastFailure], [0, null, null]);
    });
  });
}

suite('PGlite', () => scratchPglite());
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) suite('PostgreSQL', () => scratchPostgres(adminUrl));

describe('statusOf: a message refused before any recipient', () => {
  it('is refused, not pending', () => {
    assert.equal(statusOf([{ event: 'rejected', recipient: null }]), 'refused');
    assert.equal(statusOf([{ event: 'received', recipient: null }]), 'pending');
  });
});
