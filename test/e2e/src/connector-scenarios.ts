import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { mailctl, type PlatformUnderTest } from '@mail/testing';
import { eventually, startFakeSmtp, type FakeSmtp } from './fake-smtp.js';
import { sampleMessage } from './messages.js';
import { imapClient, waitForMessages } from './scenario.js';
import { makeTestPki, type TestPki } from './test-certificates.js';

const PASSWORD = 'correct horse battery';

interface SendOptions {
  from: string;
  to: string;
  localAddress?: string;
  tls?: 'none' | 'starttls';
  cert?: { key: string; cert: string };
  subject?: string;
  headerFrom?: string;
}

/** one message over the MX port as another MTA would send it; resolves to the server's reply or rejects with its error */
async function send(p: PlatformUnderTest, o: SendOptions): Promise<string> {
  const t = nodemailer.createTransport({
    host: p.host,
    port: p.ports.smtp,
    secure: false,
    localAddress: o.localAddress,
    ignoreTLS: o.tls === 'none',
    requireTLS: o.tls === 'starttls',
    tls: { rejectUnauthorized: false, ...(o.cert ? { key: o.cert.key, cert: o.cert.cert } : {}) },
  });
  const msg = sampleMessage({ from: o.headerFrom ?? o.from, to: o.to, subject: o.subject ?? 'connector test' });
  const info = await t.sendMail({ envelope: { from: o.from, to: [o.to] }, raw: msg.raw });
  return info.response;
}

const refused = async (promise: Promise<unknown>, pattern: RegExp) =>
  assert.rejects(promise, (err: Error & { response?: string }) => {
    assert.match(err.response ?? err.message, pattern);
    return true;
  });

async function ok(p: PlatformUnderTest, args: string[]): Promise<string> {
  const r = await mailctl(p, args);
  assert.equal(r.code, 0, `mailctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The connector use cases of issue 12, driven as an administrator does (mailctl) and as other mail
 * systems do (SMTP over real sockets, from loopback aliases). Runs against either mode.
 */
export function connectorScenarios(name: string, start: (env: NodeJS.ProcessEnv) => Promise<PlatformUnderTest>): void {
  describe(`connectors (${name})`, { timeout: 240_000 }, () => {
    let p: PlatformUnderTest;
    let dir: string;
    let pki: TestPki;
    let relayHost: FakeSmtp;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'connectors-'));
      pki = await makeTestPki(dir, 'mail.contoso.test');
      relayHost = await startFakeSmtp();
      // remote mail leaves through a smart host in the test (never the internet)
      p = await start({ TLS_CLIENT_CA_FILE: pki.caFile, RELAY_HOST: `127.0.0.1:${relayHost.port}` });
      await ok(p, ['domain', 'add', 'fabrikam.test']);
      await ok(p, ['user', 'add', 'alice@fabrikam.test', '--password', PASSWORD]);
    });
    after(async () => {
      await p?.close();
      await relayHost?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('partner connector with mutual TLS: refused without TLS, without the certificate, from an unlisted IP; accepted and marked when all are met', async () => {
      await ok(p, [
        'connector', 'add', 'Contoso', '--direction', 'inbound', '--type', 'partner', '--sender-domains', 'contoso.test,*.contoso.test',
        '--sender-ip-addresses', '127.0.0.1', '--require-tls', 'true', '--restrict-domains-to-ip-addresses', 'true',
        '--tls-sender-certificate-name', 'mail.contoso.test', '--restrict-domains-to-certificate', 'true',
      ]);
      assert.match(await ok(p, ['connector', 'list']), /Contoso\s+inbound\s+partner\s+yes/);
      const to = 'alice@fabrikam.test';
      // the change reaches smtp-in by event: wait for the first refusal
      await eventually(() => refused(send(p, { from: 'ann@contoso.test', to, tls: 'none' }), /5\.7\.10 connector "Contoso" requires TLS/));
      await refused(send(p, { from: 'ann@contoso.test', to, tls: 'starttls' }), /5\.7\.1 .*certificate mail\.contoso\.test.*"Contoso"/);
      await refused(send(p, { from: 'ann@eu.contoso.test', to, tls: 'starttls', cert: pki.client, localAddress: '127.0.0.2' }), /5\.7\.1 .*addresses of connector "Contoso"/);
      assert.match(await send(p, { from: 'ann@contoso.test', to, tls: 'starttls', cert: pki.client, subject: 'from the partner' }), /^250/);
      // other senders are not concerned
      assert.match(await send(p, { from: 'someone@elsewhere.test', to, tls: 'none' }), /^250/);

      const client = imapClient(p, to, PASSWORD);
      await client.connect();
      try {
        await waitForMessages(client, 2);
        const lock = await client.getMailboxLock('INBOX');
        try {
          const headers: string[] = [];
          for await (const m of client.fetch('1:*', { headers: ['received', 'subject'] })) headers.push(m.headers?.toString() ?? '');
          const partner = headers.find((h) => h.includes('from the partner'));
          assert.match(partner ?? '', /\(connector Contoso\) with ESMTPS/);
          assert.ok(headers.some((h) => !h.includes('(connector ')), 'a message outside the connector is not marked');
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
      await ok(p, ['connector', 'remove', 'Contoso']);
    });

    it('relay connector for devices: 127.0.0.2 may relay with a hosted sender, 127.0.0.3 may not; foreign senders refused', async () => {
      await ok(p, ['connector', 'add', 'Printers', '--direction', 'inbound', '--type', 'relay', '--sender-ip-addresses', '127.0.0.2/32', '--max-messages-per-minute', '100']);
      const before = relayHost.received.length;
      await eventually(async () => assert.match(await send(p, { from: 'scanner@fabrikam.test', to: 'someone@partner.test', localAddress: '127.0.0.2', tls: 'none', subject: 'scan' }), /^250/));
      await refused(send(p, { from: 'scanner@fabrikam.test', to: 'someone@partner.test', localAddress: '127.0.0.3', tls: 'none' }), /5\.7\.1 relay access denied/);
      await refused(send(p, { from: 'scanner@elsewhere.test', to: 'someone@partner.test', localAddress: '127.0.0.2', tls: 'none' }), /5\.7\.1 connector "Printers" relays only for senders in a hosted domain/);
      await refused(
        send(p, { from: 'scanner@fabrikam.test', headerFrom: 'ceo@elsewhere.test', to: 'someone@partner.test', localAddress: '127.0.0.2', tls: 'none' }),
        /5\.7\.1 connector "Printers" relays only messages whose From: is in a hosted domain/,
      );
      const relayed = await eventually(async () => {
        const m = relayHost.received.slice(before).find((r) => r.raw.includes('Subject: scan'));
        assert.ok(m, 'the device message reached the smart host');
        return m;
      });
      assert.deepEqual(relayed.to, ['someone@partner.test']);
      assert.match(relayed.raw, /\(connector Printers\)/);
      await ok(p, ['connector', 'remove', 'Printers']);
    });
  });
}
