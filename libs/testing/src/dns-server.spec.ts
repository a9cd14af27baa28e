import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { createDnsResolver } from '@mail/dns';
import { startDnsServer, type TestDnsServer } from './dns-server.js';

describe('the loopback DNS server, through the platform resolver', () => {
  let dns: TestDnsServer;
  before(async () => {
    dns = await startDnsServer({
      'example.test': { MX: [{ exchange: 'mx2.example.test', priority: 20 }, { exchange: 'mx1.example.test', priority: 10 }], TXT: ['v=spf1 ip4:127.0.0.0/8 -all', `k=${'x'.repeat(600)}`] },
      'mx1.example.test': { A: ['127.0.0.2'], AAAA: ['::1'] },
      'www.example.test': { CNAME: 'mx1.example.test' },
      'broken.test': { servfail: true },
      'dead.test': { silent: true },
    });
  });
  after(() => dns.close());

  it('answers MX, A, AAAA, TXT (long strings split, joined back by the resolver) and follows CNAME', async () => {
    const resolve = createDnsResolver({ servers: dns.servers });
    const mx = (await resolve('EXAMPLE.test', 'MX')) as Array<{ exchange: string; priority: number }>;
    assert.deepEqual(mx.map((r) => [r.exchange, r.priority]), [['mx2.example.test', 20], ['mx1.example.test', 10]]);
    assert.deepEqual(await resolve('mx1.example.test', 'A'), ['127.0.0.2']);
    assert.deepEqual(await resolve('mx1.example.test', 'AAAA'), ['::1']);
    const txt = (await resolve('example.test', 'TXT')) as string[][];
    assert.equal(txt[0].join(''), 'v=spf1 ip4:127.0.0.0/8 -all');
    assert.equal(txt[1].join(''), `k=${'x'.repeat(600)}`);
    assert.deepEqual(await resolve('www.example.test', 'A'), ['127.0.0.2']);
  });

  it('says NXDOMAIN for unknown names, NODATA for a missing type, SERVFAIL when told to', async () => {
    const resolve = createDnsResolver({ servers: dns.servers });
    await assert.rejects(resolve('nope.test', 'A'), { code: 'ENOTFOUND' });
    await assert.rejects(resolve('mx1.example.test', 'MX'), { code: 'ENODATA' });
    await assert.rejects(resolve('broken.test', 'TXT'), { code: 'ESERVFAIL' });
  });

  it('bounds a server that never answers, and changes answers when the test says so', async () => {
    const resolve = createDnsResolver({ servers: dns.servers, timeoutMs: 300 });
    await assert.rejects(resolve('dead.test', 'A'), (err: NodeJS.ErrnoException) => err.code === 'ETIMEOUT' || err.code === 'ECONNREFUSED');
    dns.set('later.test', { A: ['127.0.0.9'] });
    assert.deepEqual(await resolve('later.test', 'A'), ['127.0.0.9']);
    dns.set('later.test', undefined);
    await assert.rejects(resolve('later.test', 'A'), { code: 'ENOTFOUND' });
    assert.ok(dns.queries.includes('A later.test'));
  });

  it('answers over TCP as well (large answers)', async () => {
    // c-ares switches to TCP only when a UDP answer is truncated: ask a plain TCP question directly
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: dns.port }, () => socket.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type: 'TXT', name: 'example.test' }] })));
      socket.once('data', (b) => {
        socket.destroy();
        resolve(b);
      });
      socket.once('error', reject);
    });
    const decoded = dnsPacket.streamDecode(reply);
    assert.equal(decoded.id, 7);
    assert.equal(decoded.answers?.length, 2);
  });
});
