import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentRouteError } from '../mx-route.js';
import { addressesOf, mxHostsFor } from './mx-hosts.js';

const fail = (code: string) => Promise.reject(Object.assign(new Error(code), { code }));
const mx = (records: Array<[string, number]>) => async () => records.map(([exchange, priority]) => ({ exchange, priority }));

describe('mxHostsFor', () => {
  it('orders by preference and spreads equal preferences', async () => {
    const records = mx([['b.test', 20], ['A.test.', 10], ['c.test', 20]]);
    assert.deepEqual((await mxHostsFor('d.test', records, () => 0.5)).map((h) => h.name), ['a.test', 'b.test', 'c.test']);
    let n = 0;
    const reversed = await mxHostsFor('d.test', records, () => [0.9, 0.1, 0.2][n++ % 3]);
    assert.deepEqual(reversed.map((h) => h.name), ['a.test', 'c.test', 'b.test']);
  });

  it('bounces a null MX (RFC 7505) and ignores one beside real MXs', async () => {
    await assert.rejects(mxHostsFor('nomail.test', mx([['', 0]])), (e: unknown) => e instanceof PermanentRouteError && /5\.1\.10/.test(e.message));
    await assert.rejects(mxHostsFor('nomail.test', mx([['.', 0]])), PermanentRouteError);
    assert.deepEqual((await mxHostsFor('odd.test', mx([['.', 0], ['mx.odd.test', 10]]))).map((h) => h.name), ['mx.odd.test']);
  });

  it('falls back to the domain itself without MX records (implicit MX), bounces a domain that does not exist, defers other failures', async () => {
    assert.deepEqual(await mxHostsFor('plain.test', () => fail('ENODATA')), [{ name: 'plain.test', priority: 0, implicit: true }]);
    assert.deepEqual(await mxHostsFor('plain.test', mx([])), [{ name: 'plain.test', priority: 0, implicit: true }]);
    await assert.rejects(mxHostsFor('gone.test', () => fail('ENOTFOUND')), (e: unknown) => e instanceof PermanentRouteError && /5\.1\.2/.test(e.message));
    await assert.rejects(mxHostsFor('broken.test', () => fail('ESERVFAIL')), (e: unknown) => !(e instanceof PermanentRouteError));
  });

  it('lists a host named twice once', async () => {
    assert.deepEqual((await mxHostsFor('d.test', mx([['mx.test', 10], ['MX.test.', 20]]))).map((h) => h.name), ['mx.test']);
  });
});

describe('addressesOf', () => {
  const zone: Record<string, Record<string, string[] | string>> = {
    'both.test': { AAAA: ['::1'], A: ['127.0.0.2'] },
    'v4.test': { A: ['127.0.0.3'], AAAA: 'ENODATA' },
    'half.test': { A: ['127.0.0.4'], AAAA: 'ETIMEOUT' },
    'dead.test': { A: 'ESERVFAIL', AAAA: 'ETIMEOUT' },
    'none.test': { A: 'ENOTFOUND', AAAA: 'ENOTFOUND' },
  };
  const resolve = async (name: string, type: string) => {
    const v = zone[name]?.[type];
    if (typeof v === 'string') return fail(v);
    if (!v) return fail('ENOTFOUND');
    return v;
  };

  it('asks AAAA and A, IPv6 first', async () => {
    assert.deepEqual(await addressesOf('both.test', resolve), ['::1', '127.0.0.2']);
    assert.deepEqual(await addressesOf('v4.test', resolve), ['127.0.0.3']);
    assert.deepEqual(await addressesOf('half.test', resolve), ['127.0.0.4'], 'one family failing does not lose the other');
  });

  it('takes an address literal as it is, answers none for a name without addresses, throws when DNS fails', async () => {
    assert.deepEqual(await addressesOf('[::1]', resolve), ['::1']);
    assert.deepEqual(await addressesOf('127.0.0.9', resolve), ['127.0.0.9']);
    assert.deepEqual(await addressesOf('none.test', resolve), []);
    await assert.rejects(addressesOf('dead.test', resolve), /ESERVFAIL|ETIMEOUT/);
  });
});
