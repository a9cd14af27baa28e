import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachingResolver } from './caching-resolver.js';

function fakeDns(answer: (name: string) => Promise<unknown>) {
  const asked: string[] = [];
  const resolver = (name: string, rrtype: string) => {
    asked.push(`${rrtype} ${name}`);
    return answer(name);
  };
  return { resolver, asked };
}

const code = (c: string) => Object.assign(new Error(c), { code: c });

describe('cachingResolver', () => {
  it('asks once per name and type within the TTL, case-insensitively, and again after it', async () => {
    let clock = 0;
    const dns = fakeDns(async (name) => [[`v=spf1 -all ${name}`]]);
    const r = cachingResolver(dns.resolver, { ttlMs: 1000, maxEntries: 10, now: () => clock });
    assert.deepEqual(await r('a.test', 'TXT'), [['v=spf1 -all a.test']]);
    await r('A.TEST', 'TXT');
    await r('a.test', 'MX');
    assert.deepEqual(dns.asked, ['TXT a.test', 'MX a.test']);
    clock = 1001;
    await r('a.test', 'TXT');
    assert.equal(dns.asked.length, 3);
  });

  it('caches "no such name" and "no data", never a timeout or SERVFAIL', async () => {
    const dns = fakeDns(async (name) => Promise.reject(code(name.startsWith('gone') ? 'ENOTFOUND' : name.startsWith('empty') ? 'ENODATA' : name.startsWith('slow') ? 'ETIMEOUT' : 'ESERVFAIL')));
    const r = cachingResolver(dns.resolver, { ttlMs: 1000, maxEntries: 10 });
    for (const name of ['gone.test', 'empty.test', 'slow.test', 'broken.test']) {
      for (let i = 0; i < 2; i++) await assert.rejects(r(name, 'TXT'));
    }
    assert.deepEqual(dns.asked, ['TXT gone.test', 'TXT empty.test', 'TXT slow.test', 'TXT slow.test', 'TXT broken.test', 'TXT broken.test']);
  });

  it('shares one query between concurrent lookups and keeps at most maxEntries', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const dns = fakeDns(async (name) => {
      await gate;
      return [[name]];
    });
    const r = cachingResolver(dns.resolver, { ttlMs: 1000, maxEntries: 2 });
    const both = Promise.all([r('x.test', 'TXT'), r('x.test', 'TXT')]);
    release();
    await both;
    assert.equal(dns.asked.length, 1);
    await r('y.test', 'TXT');
    await r('z.test', 'TXT'); // x.test, the oldest, goes
    await r('x.test', 'TXT');
    assert.deepEqual(dns.asked, ['TXT x.test', 'TXT y.test', 'TXT z.test', 'TXT x.test']);
  });
});
