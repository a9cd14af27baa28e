import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetworkList } from './client-key.js';
import { ConnectionBudget, descriptorLimit, processConnectionMax } from './connection-budget.js';
import { ConnectionLimiter } from './connection-limiter.js';

const quiet = { warn: () => undefined };

describe('ConnectionLimiter', () => {
  it('refuses past the per-client limit, counting an IPv6 /64 as one client', () => {
    const limiter = new ConnectionLimiter({ protocol: 'imap', listener: 'imap', maxConnections: 100, maxPerClient: 2, logger: quiet, budget: new ConnectionBudget(100) });
    const a = limiter.admit('2001:db8::1');
    assert.ok(limiter.admit('2001:db8::2').ok);
    assert.deepEqual(limiter.admit('2001:db8::ffff'), { ok: false, limit: 'client' });
    assert.ok(limiter.admit('2001:db8:0:1::1').ok, 'another /64 is another client');
    assert.ok(limiter.admit('192.0.2.1').ok);
    assert.ok(a.ok);
    a.release();
    a.release(); // twice is once
    assert.ok(limiter.admit('2001:db8::3').ok);
    assert.equal(limiter.admit('2001:db8::4').ok, false);
  });

  it('does not count exempt clients per client, but still per listener', () => {
    const limiter = new ConnectionLimiter({ protocol: 'pop3', listener: 'pop3', maxConnections: 3, maxPerClient: 1, exempt: new NetworkList('127.0.0.0/8'), logger: quiet, budget: new ConnectionBudget(100) });
    assert.ok(limiter.admit('127.0.0.1').ok);
    assert.ok(limiter.admit('127.0.0.1').ok);
    assert.ok(limiter.admit('127.0.0.1').ok);
    assert.deepEqual(limiter.admit('127.0.0.1'), { ok: false, limit: 'listener' });
  });

  it('shares the process budget between listeners and logs a refusal without flooding', () => {
    const lines: string[] = [];
    const logger = { warn: (_: unknown, msg: string) => void lines.push(msg) };
    const budget = new ConnectionBudget(2);
    const imap = new ConnectionLimiter({ protocol: 'imap', listener: 'imap', maxConnections: 10, maxPerClient: 0, logger, budget });
    const smtp = new ConnectionLimiter({ protocol: 'smtp', listener: 'mx', maxConnections: 10, maxPerClient: 0, logger, budget });
    const first = imap.admit('192.0.2.1');
    assert.ok(smtp.admit('192.0.2.2').ok);
    for (let i = 0; i < 50; i++) assert.deepEqual(imap.admit('192.0.2.3'), { ok: false, limit: 'process' });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /process connection limit \(2\)/);
    if (first.ok) first.release();
    assert.equal(budget.open, 1);
    assert.ok(smtp.admit('192.0.2.4').ok);
  });
});

describe('process connection budget', () => {
  it('stays below the descriptor limit', () => {
    assert.equal(processConnectionMax(undefined, 1024), 768);
    assert.equal(processConnectionMax(100_000, 20_000), 15_000);
    assert.equal(processConnectionMax(500, 20_000), 500);
    assert.equal(processConnectionMax(undefined, 100), 36);
  });

  it('reads the soft limit from /proc/self/limits', () => {
    const text = 'Limit  Soft Limit  Hard Limit  Units\nMax open files            20000                20000                files     \n';
    assert.equal(descriptorLimit(() => text), 20000);
    assert.equal(descriptorLimit(() => 'Max open files  unlimited  unlimited  files'), undefined);
    assert.equal(descriptorLimit(() => { throw new Error('no /proc'); }), undefined);
  });
});
