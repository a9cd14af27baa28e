import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createSecureContext, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { makeSelfSignedCert } from './self-signed-cert.js';
import { loadOrCreateTls } from './tls-files.js';

describe('the self-signed certificate of a first start, made with node:crypto (ADR 0084)', () => {
  it('is a v3 certificate of its own key, for the names and addresses asked, valid from now for the days asked', async () => {
    const now = new Date('2026-12-08T00:00:00Z');
    const { key, cert } = await makeSelfSignedCert({ commonName: 'mx.example.test', altNames: ['mx.example.test', 'localhost', '127.0.0.1', '::1'], days: 365, now });
    const x = new X509Certificate(cert);
    assert.equal(x.subject, 'CN=mx.example.test');
    assert.equal(x.issuer, 'CN=mx.example.test');
    assert.equal(x.subjectAltName, 'DNS:mx.example.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.equal(new Date(x.validFrom).toISOString(), now.toISOString());
    assert.equal(new Date(x.validTo).toISOString(), '2027-12-08T00:00:00.000Z');
    assert.equal(x.ca, false);
    assert.ok(x.checkPrivateKey(createPrivateKey(key)));
    assert.ok(x.verify(x.publicKey), 'signed by its own key');
    assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(x.checkHost('mx.example.test'));
    assert.ok(x.checkIP('127.0.0.1'));
    assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('writes serial numbers in the minimal DER form, whatever their leading bytes (OpenSSL refuses padding)', async () => {
    for (const serial of ['0000000000000000000000000000007f', '00ff00000000000000000000000000aa', 'ff00000000000000000000000000000a', '00000000000000000000000000000000']) {
      const { key, cert } = await makeSelfSignedCert({ commonName: 'localhost', altNames: ['localhost'], serial: Buffer.from(serial, 'hex') });
      createSecureContext({ key, cert }); // OpenSSL's own DER parser
      assert.equal(new X509Certificate(cert).serialNumber.replace(/^0+(?=.)/, ''), serial.replace(/^0+(?=.)/, '').toUpperCase());
    }
  });

  it('OpenSSL reads it, and a TLS client that trusts it connects by name', async () => {
    const { key, cert } = await makeSelfSignedCert({ commonName: 'localhost', altNames: ['localhost', '127.0.0.1'] });
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: cert, encoding: 'utf8' });
    assert.match(text, /Version: 3/);
    assert.match(text, /sha256WithRSAEncryption/);
    const server = createServer({ key, cert }, (s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const c = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: cert }, () => {
          c.setEncoding('utf8');
          let data = '';
          c.on('data', (d) => (data += d));
          c.on('end', () => resolve(data));
        });
        c.on('error', reject);
      });
      assert.equal(got, 'hi');
    } finally {
      server.close();
    }
  });

  it('a first start keeps it under DATA_DIR and loads no certificate library', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'self-signed-'));
    try {
      const made = await loadOrCreateTls({ dataDir, hostname: 'mail.example.test' });
      assert.equal(made.selfSigned, true);
      assert.equal(new X509Certificate(made.cert).subjectAltName, 'DNS:mail.example.test, DNS:localhost, IP Address:127.0.0.1');
      assert.deepEqual(await loadOrCreateTls({ dataDir, hostname: 'mail.example.test' }), made);
      const loaded = Object.keys(require.cache).filter((k) => /\/node_modules\/(selfsigned|@peculiar)\//.test(k));
      assert.deepEqual(loaded, []);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
