import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConnectionOptions } from 'node:tls';
import { freePort, startEmbeddedForTest } from '@mail/testing';
import { handshake, tlsListeners } from './tls-probe.js';

type Platform = Awaited<ReturnType<typeof startEmbeddedForTest>>;

/**
 * Clients the policy must refuse. Old protocol versions and weak suites need OpenSSL's security level
 * 0 on the client side, else OpenSSL would not even offer them and the test could not fail.
 */
const REFUSED: Array<{ what: string; client: ConnectionOptions; alert: RegExp }> = [
  { what: 'TLS 1.1', client: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, alert: /alert protocol version/ },
  { what: 'TLS 1.2 with CBC (not AEAD) under ECDHE', client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:@SECLEVEL=0' }, alert: /alert handshake failure/ },
  { what: 'TLS 1.2 with RSA key exchange (not forward-secret) and GCM', client: { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384:@SECLEVEL=0' }, alert: /alert handshake failure/ },
];

describe('one TLS policy on every listener (issue 11)', () => {
  let platform: Platform;
  let listeners: ReturnType<typeof tlsListeners> = [];

  before(async () => {
    const [submissions, imaps, pop3s] = [await freePort(), await freePort(), await freePort()];
    platform = await startEmbeddedForTest({ env: { SUBMISSIONS_PORT: String(submissions), IMAPS_PORT: String(imaps), POP3S_PORT: String(pop3s) } });
    listeners = tlsListeners(platform, { submissions, imaps, pop3s });
  });
  after(async () => platform?.close());

  it('a TLS 1.3 client gets TLS 1.3 on every listener', async () => {
    for (const l of listeners) {
      const got = await handshake(await l.target(), {});
      assert.ok(!(got instanceof Error), `${l.name}: ${got instanceof Error ? got.message : ''}`);
      assert.equal(got.version, 'TLSv1.3', l.name);
    }
  });

  it('a TLS 1.2 client with a forward-secret AEAD suite is served (the control for the refusals below)', async () => {
    for (const l of listeners) {
      const got = await handshake(await l.target(), { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
      assert.ok(!(got instanceof Error), `${l.name}: ${got instanceof Error ? got.message : ''}`);
      assert.deepEqual({ version: got.version, cipher: got.cipher }, { version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }, l.name);
    }
  });

  for (const r of REFUSED) {
    it(`${r.what} is refused by the server on every listener`, async () => {
      for (const l of listeners) {
        const got = await handshake(await l.target(), r.client);
        assert.ok(got instanceof Error, `${l.name} accepted ${r.what}`);
        // the alert came from the server: the client did offer the handshake
        assert.match(got.message, r.alert, `${l.name}: ${got.message}`);
      }
    });
  }

  it('counts the refused handshakes per protocol (logged at debug only, not at warn)', async () => {
    const text = await (await fetch(`${platform.adminUrl}/metrics`)).text();
    for (const protocol of ['smtp', 'imap', 'pop3']) {
      const line = text.split('\n').find((l) => l.startsWith('mail_tls_handshake_failures_total{') && l.includes(`protocol="${protocol}"`) && l.includes('reason="refused"'));
      assert.ok(line && Number(line.slice(line.lastIndexOf(' ') + 1)) >= REFUSED.length, `${protocol}: ${line}`);
    }
  });
});
