import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import type { DnsResolver } from '@mail/dns';
import { MtaStsPolicies } from './mta-sts-policies.js';

const DOMAIN = 'example.test';
const POLICY_HOST = `mta-sts.${DOMAIN}`;
const ENFORCE = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.backup.example.test\r\nmax_age: 86400\r\n';

function dnsError(code: string): Error {
  return Object.assign(new Error(`${code} fake`), { code });
}

/** the DNS the class sees: the policy id in TXT, the policy host on loopback; `fail` makes every lookup a SERVFAIL */
class FakeDns {
  id: string | null = '1';
  fail = false;
  readonly resolve: DnsResolver = async (name, rrtype) => {
    if (this.fail) throw dnsError('ESERVFAIL');
    if (name === `_mta-sts.${DOMAIN}` && rrtype === 'TXT') {
      if (this.id === null) throw dnsError('ENOTFOUND');
      return [[`v=STSv1; id=${this.id}`]];
    }
    if (name === POLICY_HOST && rrtype === 'A') return ['127.0.0.1'];
    throw dnsError('ENODATA');
  };
}

describe('MtaStsPolicies', () => {
  let server: Server;
  let port: number;
  let ca: string;
  let body = ENFORCE;
  let status = 200;
  let fetches = 0;

  before(async () => {
    const root = await generate([{ name: 'commonName', value: 'MTA-STS spec CA' }], {
      keySize: 2048,
      algorithm: 'sha256',
      days: 2,
      extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }],
    } as never);
    const leaf = await generate([{ name: 'commonName', value: POLICY_HOST }], {
      keySize: 2048,
      algorithm: 'sha256',
      days: 2,
      ca: { key: root.private, cert: root.cert },
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: POLICY_HOST }] }],
    } as never);
    ca = root.cert;
    server = createServer({ key: leaf.private, cert: leaf.cert }, (req, res) => {
      fetches++;
      if (req.url !== '/.well-known/mta-sts.txt' || req.headers.host !== POLICY_HOST) return void res.writeHead(404).end();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function setup(o: { trust?: boolean } = {}) {
    body = ENFORCE;
    status = 200;
    fetches = 0;
    const dns = new FakeDns();
    const clock = { now: 1_000_000 };
    const policies = new MtaStsPolicies({ resolver: dns.resolve, port, extraCa: o.trust === false ? [] : [ca], timeoutMs: 10_000 }, () => clock.now);
    return { dns, clock, policies };
  }

  it('a domain without a _mta-sts record has no policy and no failure', async () => {
    const { dns, policies } = setup();
    dns.id = null;
    assert.deepEqual(await policies.lookup(DOMAIN), { policy: null });
    assert.equal(fetches, 0);
  });

  it('fetches the policy once per id, and again when the id changes', async () => {
    const { dns, clock, policies } = setup();
    const first = await policies.lookup('Example.Test.');
    assert.equal(first.failure, undefined);
    assert.deepEqual(first.policy, { id: '1', mode: 'enforce', mx: ['mx1.example.test', '*.backup.example.test'], maxAgeSeconds: 86400, expiresAt: clock.now + 86_400_000 });
    assert.deepEqual((await policies.lookup(DOMAIN)).policy, first.policy);
    assert.equal(fetches, 1, 'the same id is served from the cache');
    dns.id = '2';
    body = ENFORCE.replace('mode: enforce', 'mode: testing');
    const second = await policies.lookup(DOMAIN);
    assert.equal(second.policy?.mode, 'testing');
    assert.equal(second.policy?.id, '2');
    assert.equal(fetches, 2);
  });

  it('keeps applying an unexpired cached policy when DNS or the policy host fails (RFC 8461 5.1)', async () => {
    const { dns, clock, policies } = setup();
    const cached = (await policies.lookup(DOMAIN)).policy;
    assert.equal(cached?.mode, 'enforce');
    dns.fail = true;
    const duringOutage = await policies.lookup(DOMAIN);
    assert.deepEqual(duringOutage.policy, cached);
    assert.equal(duringOutage.failure?.resultType, 'sts-policy-fetch-error');
    // a new id whose policy cannot be fetched: the cached one still applies
    dns.fail = false;
    dns.id = '2';
    status = 500;
    const unfetchable = await policies.lookup(DOMAIN);
    assert.deepEqual(unfetchable.policy, cached);
    assert.ok(unfetchable.failure);
    // past max_age it no longer does
    clock.now += 86_400_000 + 1;
    dns.fail = true;
    const expired = await policies.lookup(DOMAIN);
    assert.equal(expired.policy, null);
    assert.ok(expired.failure);
  });

  it('does not fetch a failing policy again for five minutes', async () => {
    const { clock, policies } = setup();
    status = 404;
    const failed = await policies.lookup(DOMAIN);
    assert.equal(failed.policy, null);
    assert.ok(failed.failure);
    assert.equal(fetches, 1);
    clock.now += 60_000;
    assert.ok((await policies.lookup(DOMAIN)).failure);
    assert.equal(fetches, 1, 'a recent failure is remembered');
    clock.now += 5 * 60_000;
    status = 200;
    assert.equal((await policies.lookup(DOMAIN)).policy?.mode, 'enforce');
    assert.equal(fetches, 2);
  });

  it('refuses an enforce policy that names no MX host, as invalid', async () => {
    const { policies } = setup();
    body = 'version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n';
    const r = await policies.lookup(DOMAIN);
    assert.equal(r.policy, null);
    assert.equal(r.failure?.resultType, 'sts-policy-invalid');
  });

  it('refuses a policy host whose certificate the web PKI does not vouch for', async () => {
    const { policies } = setup({ trust: false });
    const r = await policies.lookup(DOMAIN);
    assert.equal(r.policy, null);
    assert.equal(r.failure?.resultType, 'sts-webpki-invalid');
  });
});
