import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractError, TraceFilter } from '@mail/contracts';
import { buildTraceSearch } from './trace-query.js';

const filter = (f: Record<string, unknown>) => TraceFilter.parse(f);

describe('TraceFilter', () => {
  it('needs at least one of sender, recipient, messageId, clientIp', () => {
    for (const f of [{}, { status: 'delivered' }, { since: '2026-01-01T00:00:00Z' }, { sender: '   ' }]) {
      assert.equal(TraceFilter.safeParse(f).success, false, JSON.stringify(f));
    }
    for (const f of [{ sender: 'a@x' }, { recipient: '*@x' }, { messageId: '<m@x>' }, { clientIp: '192.0.2.1' }]) {
      assert.equal(TraceFilter.safeParse(f).success, true, JSON.stringify(f));
    }
  });
  it('refuses a bad status, time, limit or a since after until', () => {
    assert.equal(TraceFilter.safeParse({ sender: 'a@x', status: 'lost' }).success, false);
    assert.equal(TraceFilter.safeParse({ sender: 'a@x', since: 'yesterday' }).success, false);
    assert.equal(TraceFilter.safeParse({ sender: 'a@x', limit: 0 }).success, false);
    assert.equal(TraceFilter.safeParse({ sender: 'a@x', limit: 1001 }).success, false);
    assert.equal(TraceFilter.safeParse({ sender: 'a@x', since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }).success, false);
  });
});

describe('buildTraceSearch', () => {
  it('searches an exact sender by equality, lowercased, with every value a parameter', () => {
    const q = buildTraceSearch(filter({ sender: 'Ann@X.test' }));
    assert.match(q.sql, /m\.sender = \$1/);
    assert.deepEqual(q.params, ['ann@x.test', 100]);
  });

  it('searches a whole domain through the reversed column', () => {
    const q = buildTraceSearch(filter({ sender: '*@Contoso.com' }));
    assert.match(q.sql, /m\.sender LIKE \$1 AND reverse\(m\.sender\) LIKE \$2/);
    assert.deepEqual(q.params.slice(0, 2), ['%@contoso.com', 'moc.osotnoc@%']);
  });

  it('escapes % and _ so they match only themselves', () => {
    const q = buildTraceSearch(filter({ recipient: 'a_b%*' }));
    assert.match(q.sql, /e\.recipient LIKE \$1/);
    assert.equal(q.params[0], 'a\\_b\\%%');
    assert.doesNotMatch(q.sql, /a_b/, 'no value in the SQL text');
  });

  it('searches a Message-ID without its brackets, keeping its case', () => {
    const q = buildTraceSearch(filter({ messageId: '<AbC@x.test>' }));
    assert.match(q.sql, /m\.message_id = \$1/);
    assert.equal(q.params[0], 'AbC@x.test');
  });

  it('combines filters with AND and applies the time range and the status', () => {
    const q = buildTraceSearch(filter({ sender: 'a@x', clientIp: '192.0.2.*', since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z', status: 'failed', limit: 5 }));
    assert.match(q.sql, /m\.sender = \$1 AND m\.client_ip LIKE \$2 AND m\.received_at >= \$3 AND m\.received_at <= \$4 AND st\.status = \$6/);
    assert.deepEqual(q.params, ['a@x', '192.0.2.%', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', 5, 'failed']);
  });

  it('refuses a pattern that is only wildcards, and a filter with nothing to search by', () => {
    assert.throws(() => buildTraceSearch(filter({ sender: '**' })), (e: unknown) => e instanceof ContractError && e.code === 'INVALID');
    assert.throws(() => buildTraceSearch({ limit: 10 } as TraceFilter), (e: unknown) => e instanceof ContractError && e.code === 'INVALID');
  });
});
