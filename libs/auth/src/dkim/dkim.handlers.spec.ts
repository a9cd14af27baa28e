import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, InProcessBus } from '@mail/bus';
import {
  ContractError,
  CreateDkimKey,
  CreateDomain,
  DeleteDkimKey,
  DeleteDomain,
  DkimKeysChanged,
  GetDkimSigningKeys,
  GetDomainDnsRecords,
  ListDkimKeys,
  RotateDkimKeys,
} from '@mail/contracts';
import { Database, PgliteDatabase } from '@mail/db';
import { AuthModule } from '../auth.module.js';

const rejectsWith = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (err: unknown) => err instanceof ContractError && err.code === code && (!message || message.test(err.message)));

/** A sealer whose output is recognisably not the PEM, and that remembers what it sealed. */
const sealed = new Map<string, string>();
const sealer = {
  seal: (text: string) => {
    const s = `sealed:${sealed.size}`;
    sealed.set(s, text);
    return s;
  },
  open: (s: string) => sealed.get(s) ?? '',
};

describe('DKIM keys and DNS records over the bus', () => {
  let app: INestApplicationContext;
  let bus: InProcessBus;
  let db: Database;
  const changes: string[] = [];

  before(async () => {
    db = await PgliteDatabase.open();
    bus = new InProcessBus({ service: 'auth' });
    @Global()
    @Module({ providers: [{ provide: Bus, useValue: bus }, { provide: Database, useValue: db }], exports: [Bus, Database] })
    class TestInfra {}
    @Module({ imports: [TestInfra, AuthModule.forRoot({ loginDelayMs: 1, hostname: 'mx.platform.test', secrets: sealer })] })
    class Root {}
    app = await NestFactory.createApplicationContext(Root, { logger: false });
    await app.init();
    await bus.subscribe(DkimKeysChanged, (e) => void changes.push(e.domain));
    await bus.request(CreateDomain, { name: 'example.org' });
  });

  after(async () => {
    await app?.close();
    await bus?.close();
    await db?.close();
  });

  it('generates RSA-2048 and Ed25519 keys, stores the private half sealed, and answers the TXT record', async () => {
    const r = await bus.request(CreateDkimKey, { domain: 'Example.org', selector: 'mail' });
    assert.equal(r.algorithm, 'rsa-2048');
    assert.equal(r.dnsName, 'mail._domainkey.example.org');
    const p = /^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/.exec(r.txt)?.[1];
    assert.ok(p, r.txt);
    const pub = createPublicKey({ key: Buffer.from(p, 'base64'), format: 'der', type: 'spki' });
    assert.equal(pub.asymmetricKeyDetails?.modulusLength, 2048);

    const e = await bus.request(CreateDkimKey, { domain: 'example.org', algorithm: 'ed25519' });
    assert.match(e.selector, /^\d{8}-ed$/);
    assert.match(e.txt, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/, 'the bare 32-byte key (RFC 8463), not its SPKI');

    const { rows } = await db.query<{ private_key_sealed: string }>('SELECT private_key_sealed FROM directory.dkim_keys');
    assert.equal(rows.length, 2);
    for (const row of rows) assert.doesNotMatch(row.private_key_sealed, /PRIVATE KEY/);

    const { keys } = await bus.request(GetDkimSigningKeys, { domain: 'example.org' });
    assert.deepEqual(keys.map((k) => k.algorithm).sort(), ['ed25519', 'rsa-2048']);
    const rsaKey = createPrivateKey(sealer.open(keys.find((k) => k.algorithm === 'rsa-2048')!.sealedPrivateKey));
    assert.equal(createPublicKey(rsaKey).export({ type: 'spki', format: 'der' }).toString('base64'), p, 'the sealed private key belongs to the published key');
    // events are delivered after the reply: wait for both rather than for a fixed time
    for (let i = 0; i < 500 && changes.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(changes, ['example.org', 'example.org'], 'delivery is told to drop its cached keys');
  });

  it('refuses a second active key of one algorithm, a taken selector, a bad selector and an unhosted domain', async () => {
    await rejectsWith(bus.request(CreateDkimKey, { domain: 'example.org' }), 'CONFLICT', /rotate/);
    await rejectsWith(bus.request(CreateDkimKey, { domain: 'example.org', selector: 'mail', algorithm: 'ed25519' }), 'CONFLICT');
    await rejectsWith(bus.request(CreateDkimKey, { domain: 'example.org', selector: 'bad selector' }), 'INVALID');
    await rejectsWith(bus.request(CreateDkimKey, { domain: 'unhosted.test' }), 'NOT_FOUND');
    assert.deepEqual((await bus.request(GetDkimSigningKeys, { domain: 'unhosted.test' })).keys, []);
  });

  it('rotates: new selectors sign, the old keys retire but stay listed for DNS, and can then be removed', async () => {
    const { created, retired } = await bus.request(RotateDkimKeys, { domain: 'example.org' });
    assert.equal(created.length, 2);
    assert.deepEqual(retired.map((k) => k.selector).sort(), ['mail', (await listed('ed25519', 'retired'))[0]].sort());
    const signing = (await bus.request(GetDkimSigningKeys, { domain: 'example.org' })).keys.map((k) => k.selector).sort();
    assert.deepEqual(signing, created.map((k) => k.selector).sort());
    assert.ok(!signing.includes('mail'));

    await bus.request(DeleteDkimKey, { domain: 'example.org', selector: 'mail' });
    await rejectsWith(bus.request(DeleteDkimKey, { domain: 'example.org', selector: 'mail' }), 'NOT_FOUND');
    assert.equal((await bus.request(ListDkimKeys, { domain: 'example.org' })).keys.length, 3);
  });

  async function listed(algorithm: string, status: string): Promise<string[]> {
    const { keys } = await bus.request(ListDkimKeys, {});
    return keys.filter((k) => k.algorithm === algorithm && k.status === status).map((k) => k.selector);
  }

  it('lists the records a domain publishes', async () => {
    const { records, mtaStsPolicy } = await bus.request(GetDomainDnsRecords, { domain: 'example.org' });
    const by = (purpose: string) => records.filter((r) => r.purpose === purpose);
    assert.deepEqual(by('MX'), [{ purpose: 'MX', name: 'example.org', type: 'MX', value: '10 mx.platform.test.' }]);
    assert.match(by('SPF')[0].value, /^v=spf1 .*a:mx\.platform\.test .*-all$/);
    assert.equal(by('DKIM').length, 3);
    assert.ok(by('DKIM').every((r) => r.name.endsWith('._domainkey.example.org') && r.value.startsWith('v=DKIM1;')));
    assert.equal(by('DMARC')[0].name, '_dmarc.example.org');
    assert.match(by('MTA-STS')[0].value, /^v=STSv1; id=[a-f0-9]+$/);
    assert.equal(by('TLS-RPT')[0].name, '_smtp._tls.example.org');
    assert.match(mtaStsPolicy, /^version: STSv1\r\nmode: testing\r\nmx: mx\.platform\.test\r\nmax_age: \d+\r\n$/);
    await rejectsWith(bus.request(GetDomainDnsRecords, { domain: 'unhosted.test' }), 'NOT_FOUND');
  });

  it('the keys go with their domain', async () => {
    await bus.request(DeleteDomain, { name: 'example.org' });
    assert.deepEqual((await bus.request(ListDkimKeys, {})).keys, []);
  });
});
