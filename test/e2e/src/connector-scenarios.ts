import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { makeTestPki, mailctl, startDnsServer, type PlatformUnderTest, type TestDnsServer, type TestPki } from '@mail/testing';
import { eventually, startFakeSmtp, type FakeSmtp } from './fake-smtp.js';
import { sampleMessage } from './messages.js';
import { traceUntil } from './message-trace.js';
import { imapClient, waitForMessages } from './scenario.js';

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

/** through submission as alice: remote recipients go out through delivery */
async function submit(p: PlatformUnderTest, to: string, subject: string): Promise<void> {
  const t = nodemailer.createTransport({ host: p.host, port: p.ports.submission, secure: false, requireTLS: true, auth: { user: 'alice@fabrikam.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  const msg = sampleMessage({ from: 'alice@fabrikam.test', to, subject });
  await t.sendMail({ envelope: { from: 'alice@fabrikam.test', to: [to] }, raw: msg.raw });
}

/** the queue shows the recipient deferred with a last error matching `pattern` */
async function deferredWith(p: PlatformUnderTest, address: string, pattern: RegExp): Promise<void> {
  const { entries } = JSON.parse(await ok(p, ['queue', 'list', '--status', 'deferred', '--json'])) as { entries: Array<{ recipients: Array<{ address: string; lastError: string | null }> }> };
  const r = entries.flatMap((e) => e.recipients).find((x) => x.address === address);
  assert.ok(r, `${address} is deferred`);
  assert.match(r.lastError ?? '', pattern);
}

/** a loopback port nobody listens on (a smart host that is down) */
async function freePortNothingListens(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** the header block (Received, Authentication-Results, Subject) of alice's message with this subject */
async function headersOf(p: PlatformUnderTest, subject: string): Promise<string> {
  const client = imapClient(p, 'alice@fabrikam.test', PASSWORD);
  await client.connect();
  try {
    return await eventually(async () => {
      const lock = await client.getMailboxLock('INBOX');
      try {
        for await (const m of client.fetch('1:*', { headers: ['received', 'authentication-results', 'subject'] })) {
          const h = m.headers?.toString() ?? '';
          if (h.includes(subject)) return h;
        }
      } finally {
        lock.release();
      }
      throw new Error(`no message "${subject}" yet`);
    }, 15_000);
  } finally {
    await client.logout();
  }
}

type Counts = Record<'accepted' | 'refused' | 'relayed' | 'deferred' | 'failed', number>;
interface ConnectorStatus {
  name: string;
  configured: boolean;
  lastHour: Counts;
  lastDay: Counts;
  lastSuccess: { at: string; event: string } | null;
  lastFailure: { at: string; event: string; recipient: string | null; detail: string | null } | null;
}

/** `mailctl connector status <name> --json`, until `check` holds (the trace is written in batches) */
async function statusUntil(p: PlatformUnderTest, name: string, check: (s: ConnectorStatus) => void): Promise<ConnectorStatus> {
  return eventually(async () => {
    const s = (JSON.parse(await ok(p, ['connector', 'status', name, '--json'])) as { connectors: ConnectorStatus[] }).connectors[0];
    check(s);
    return s;
  });
}

const comparable = ({ id: _i, createdAt: _c, updatedAt: _u, ...rest }: Record<string, unknown>) => rest;

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
    let dns: TestDnsServer;
    /** the port remote MXs listen on (the platform's OUTBOUND_PORT) */
    let mxPort: number;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'connectors-'));
      pki = await makeTestPki(dir, 'mail.contoso.test');
      relayHost = await startFakeSmtp();
      // SPF of the sender behind the filter: only its own MTA (198.51.100.7) may send for filtered.test
      dns = await startDnsServer({ 'filtered.test': { TXT: ['v=spf1 ip4:198.51.100.7 -all'] } });
      // remote mail leaves through a smart host in the test (never the internet)
      mxPort = await freePortNothingListens();
      p = await start({ TLS_CLIENT_CA_FILE: pki.caFile, OUTBOUND_TLS_CA_FILE: pki.caFile, RELAY_HOST: `127.0.0.1:${relayHost.port}`, DNS_SERVERS: dns.servers.join(','), OUTBOUND_PORT: String(mxPort) });
      await ok(p, ['domain', 'add', 'fabrikam.test']);
      await ok(p, ['user', 'add', 'alice@fabrikam.test', '--password', PASSWORD]);
    });
    after(async () => {
      await p?.close();
      await relayHost?.close();
      await dns?.close();
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

      // message trace: the accepted message went through Contoso, each refusal names it
      const accepted = await traceUntil(p, { sender: 'ann@contoso.test' }, (m) => m.status === 'delivered' && m.events.some((e) => e.event === 'received' && e.connector === 'Contoso'));
      assert.ok(accepted.events.filter((e) => e.event === 'queued').every((e) => e.connector === 'Contoso'), JSON.stringify(accepted.events));
      await traceUntil(p, { sender: 'ann@contoso.test', status: 'refused' }, (m) =>
        m.events.some((e) => e.event === 'rejected' && e.connector === 'Contoso' && /^MAIL FROM refused: 530 5\.7\.10 connector "Contoso" requires TLS/.test(e.detail ?? '')),
      );
      const other = await traceUntil(p, { sender: 'someone@elsewhere.test' }, (m) => m.status === 'delivered');
      assert.ok(other.events.every((e) => e.connector === null), 'a message outside the connector is not attributed');
      // mailctl connector status: one accepted, three refused (the last with its reason)
      const status = await statusUntil(p, 'Contoso', (s) => {
        assert.equal(s.lastDay.accepted, 1);
        assert.ok(s.lastDay.refused >= 3, JSON.stringify(s));
      });
      assert.deepEqual([status.configured, status.lastHour.accepted, status.lastSuccess?.event], [true, 1, 'received']);
      assert.match(status.lastFailure?.detail ?? '', /5\.7\.1 .*addresses of connector "Contoso"/);
      assert.match(await ok(p, ['connector', 'status']), /Contoso\s+inbound\s+1\/1\s+\d+\/\d+/);

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
      // removed, its traffic is still in the trace
      assert.equal((await statusUntil(p, 'Contoso', (s) => assert.equal(s.configured, false))).lastDay.accepted, 1);
    });

    it('filter connector: SPF judges the first IP before the filter, read from the Received chain', async () => {
      await ok(p, ['connector', 'add', 'Gateway', '--direction', 'inbound', '--type', 'filter', '--sender-ip-addresses', '127.0.0.4', '--skip-ip-addresses', '192.0.2.20']);
      const chain = [
        'Received: from edge.gateway.test (edge.gateway.test [192.0.2.20]) by out.gateway.test with ESMTPS id g2; Mon, 7 Dec 2026 01:00:01 +0000',
        'Received: from mta.filtered.test (mta.filtered.test [198.51.100.7]) by edge.gateway.test with ESMTP id g1; Mon, 7 Dec 2026 01:00:00 +0000',
      ];
      const viaFilter = (localAddress: string, subject: string) => {
        const t = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, secure: false, localAddress, ignoreTLS: true });
        const msg = sampleMessage({ from: 'news@filtered.test', to: 'alice@fabrikam.test', subject });
        return t.sendMail({ envelope: { from: 'news@filtered.test', to: ['alice@fabrikam.test'] }, raw: `${chain.join('\r\n')}\r\n${msg.raw}` });
      };
      await eventually(async () => {
        await viaFilter('127.0.0.4', 'through the gateway');
        const h = await headersOf(p, 'through the gateway');
        assert.match(h, /\(connector Gateway\)/);
      });
      await viaFilter('127.0.0.5', 'around the gateway');
      const through = await headersOf(p, 'through the gateway');
      assert.match(through, /spf=pass/);
      assert.match(through, /198\.51\.100\.7/);
      const around = await headersOf(p, 'around the gateway');
      assert.match(around, /spf=fail/, 'from an IP that is not the filter, the connecting IP is judged');
      await ok(p, ['connector', 'remove', 'Gateway']);
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
      // trace: accepted through Printers, relayed through RELAY_HOST; the refusals name Printers
      const traced = await traceUntil(p, { sender: 'scanner@fabrikam.test', recipient: 'someone@partner.test' }, (m) => m.status === 'delivered');
      assert.equal(traced.events.find((e) => e.event === 'received')?.connector, 'Printers');
      assert.equal(traced.events.find((e) => e.event === 'relayed')?.connector, 'RELAY_HOST');
      await traceUntil(p, { sender: 'scanner@elsewhere.test' }, (m) => m.events.some((e) => e.event === 'rejected' && e.connector === 'Printers' && /hosted domain/.test(e.detail ?? '')));
      await traceUntil(p, { sender: 'scanner@fabrikam.test', status: 'refused' }, (m) => m.events.some((e) => e.event === 'rejected' && e.connector === 'Printers' && /^DATA refused: .*From: is in a hosted domain/.test(e.detail ?? '')));
      await statusUntil(p, 'Printers', (s) => assert.ok(s.lastDay.accepted >= 1 && s.lastDay.refused >= 2, JSON.stringify(s)));
      await ok(p, ['connector', 'remove', 'Printers']);
    });

    it('outbound connector: smart hosts in order with failover, AUTH, each TLS setting enforced (never plaintext when TLS is required)', async () => {
      // B: TLS with a certificate of the test CA (127.0.0.1 in its names), AUTH required; A: no STARTTLS at all; C: answers 451 at RCPT
      const b = await startFakeSmtp({ key: pki.server.key, cert: pki.server.cert, users: { relay: 'smart host secret' } });
      const a = await startFakeSmtp({ disabledCommands: ['AUTH', 'STARTTLS'] });
      const c = await startFakeSmtp();
      c.failRcpt = { code: 451, text: '4.3.2 try later' };
      const dead = await freePortNothingListens();
      try {
        await ok(p, [
          'connector', 'add', 'Northwind', '--direction', 'outbound', '--recipient-domains', 'northwind.test,*.northwind.test',
          '--smart-hosts', `127.0.0.1:${dead},127.0.0.1:${c.port},127.0.0.1:${b.port}`, '--tls-settings', 'certificateValidation',
          '--auth-username', 'relay', '--auth-password', 'smart host secret',
        ]);
        const shown = await ok(p, ['connector', 'show', 'Northwind', '--json']);
        assert.equal(JSON.parse(shown).authPasswordSet, true);
        assert.equal(shown.includes('smart host secret'), false, 'the password is never shown');

        // failover past a dead host (connect error) and a 4xx, to B: TLS validated, authenticated
        await eventually(async () => {
          await submit(p, 'x@northwind.test', 'via smart host');
          await eventually(async () => assert.ok(b.received.some((m) => m.raw.includes('via smart host'))), 10_000);
        });
        const got = b.received.find((m) => m.raw.includes('via smart host'))!;
        assert.deepEqual([got.secure, got.user, got.to], [true, 'relay', ['x@northwind.test']]);
        assert.equal(c.received.length, 0);

        // Validate-OutboundConnector: what each host offers against certificateValidation, nothing sent
        const probed = JSON.parse(await ok(p, ['connector', 'test', 'Northwind', '--json'])) as { met: boolean; hosts: Array<{ port: number; connected: boolean; settingsMet: boolean; tls?: { version: string }; certificate?: { subject: string; trusted: boolean } }> };
        assert.equal(probed.met, true);
        const byPort = new Map(probed.hosts.map((h) => [h.port, h]));
        assert.equal(byPort.get(dead)?.connected, false);
        assert.deepEqual([byPort.get(c.port)?.settingsMet, byPort.get(c.port)?.certificate?.trusted], [false, false], 'the fake with the default certificate is not trusted');
        assert.deepEqual([byPort.get(b.port)?.settingsMet, byPort.get(b.port)?.certificate?.subject, byPort.get(b.port)?.certificate?.trusted], [true, 'smarthost.test', true]);
        assert.match(byPort.get(b.port)?.tls?.version ?? '', /^TLSv1\.[23]$/);
        assert.match(await ok(p, ['connector', 'test', 'Northwind']), /settings met/);
        assert.equal(b.received.filter((m) => m.raw.includes('via smart host')).length, 1, 'the test sent nothing');

        // domainValidation against a name the certificate does not carry: deferred with the reason
        await ok(p, ['connector', 'set', 'Northwind', '--smart-hosts', `127.0.0.1:${b.port}`, '--tls-settings', 'domainValidation', '--tls-domain', 'mail.wrong.test']);
        await eventually(async () => {
          await submit(p, 'y@northwind.test', 'wrong name');
          await eventually(() => deferredWith(p, 'y@northwind.test', /connector "Northwind".*certificate/), 10_000);
        });
        assert.equal(b.received.some((m) => m.raw.includes('wrong name')), false);

        // domainValidation with the name it carries
        await ok(p, ['connector', 'set', 'Northwind', '--tls-domain', 'smarthost.test']);
        await eventually(async () => {
          await submit(p, 'z@northwind.test', 'right name');
          await eventually(async () => assert.ok(b.received.some((m) => m.raw.includes('right name'))), 10_000);
        });

        // encryptionOnly to a host without STARTTLS: deferred, nothing sent in plaintext
        await ok(p, ['connector', 'set', 'Northwind', '--smart-hosts', `127.0.0.1:${a.port}`, '--tls-settings', 'encryptionOnly', '--tls-domain', '', '--auth-username', '', '--auth-password', '']);
        await eventually(async () => {
          await submit(p, 'w@northwind.test', 'must be encrypted');
          await eventually(() => deferredWith(p, 'w@northwind.test', /TLS required by the connector but not available/), 10_000);
        });
        assert.equal(a.received.length, 0);

        // trace and status: relayed through Northwind, deferred in its name with the reason
        await traceUntil(p, { recipient: 'x@northwind.test' }, (m) => m.events.some((e) => e.event === 'relayed' && e.connector === 'Northwind'));
        await traceUntil(p, { recipient: 'w@northwind.test' }, (m) => m.events.some((e) => e.event === 'deferred' && e.connector === 'Northwind' && /TLS required/.test(e.detail ?? '')));
        const out = await statusUntil(p, 'Northwind', (s) => assert.ok(s.lastDay.relayed >= 2 && s.lastDay.deferred >= 2, JSON.stringify(s)));
        assert.deepEqual([out.lastSuccess?.event, out.lastFailure?.event], ['relayed', 'deferred']);

        // opportunistic to the same host: plaintext is what it allows
        await ok(p, ['connector', 'set', 'Northwind', '--tls-settings', 'opportunistic']);
        await eventually(async () => {
          await submit(p, 'v@northwind.test', 'opportunistic');
          await eventually(async () => assert.ok(a.received.some((m) => m.raw.includes('opportunistic') && !m.secure)), 10_000);
        });
      } finally {
        await ok(p, ['connector', 'remove', 'Northwind']).catch(() => undefined);
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    });

    it('outbound connector with useMxRecord: the MX of the recipient domain from the platform DNS, in preference order, under the connector TLS setting', async () => {
      // mx1 (preference 10) has an address where nothing listens; mx2 (20) offers STARTTLS
      const mx2 = await startFakeSmtp({ key: pki.server.key, cert: pki.server.cert, listen: { host: '127.0.0.8', port: mxPort } });
      dns.set('wingtip.test', { MX: [{ exchange: 'mx1.wingtip.test', priority: 10 }, { exchange: 'mx2.wingtip.test', priority: 20 }] });
      dns.set('mx1.wingtip.test', { A: ['127.0.0.9'] });
      dns.set('mx2.wingtip.test', { A: ['127.0.0.8'] });
      try {
        await ok(p, ['connector', 'add', 'Wingtip', '--direction', 'outbound', '--recipient-domains', 'wingtip.test', '--use-mx-record', 'true', '--tls-settings', 'encryptionOnly']);
        // without the connector this domain would go to RELAY_HOST; with it, to its own MX over TLS
        await eventually(async () => {
          await submit(p, 'ann@wingtip.test', 'by mx record');
          await eventually(async () => assert.ok(mx2.received.some((m) => m.raw.includes('by mx record'))), 10_000);
        });
        const got = mx2.received.find((m) => m.raw.includes('by mx record'))!;
        assert.deepEqual([got.secure, got.to], [true, ['ann@wingtip.test']]);
        assert.equal(relayHost.received.some((m) => m.raw.includes('by mx record')), false);

        // Validate-OutboundConnector resolves the MX the same way
        const probed = JSON.parse(await ok(p, ['connector', 'test', 'Wingtip', '--to', 'x@wingtip.test', '--json'])) as { met: boolean; hosts: Array<{ host: string; connected: boolean; settingsMet: boolean }> };
        assert.deepEqual(
          probed.hosts.map((h) => [h.host, h.connected, h.settingsMet]),
          [
            ['mx1.wingtip.test', false, false],
            ['mx2.wingtip.test', true, true],
          ],
        );
        assert.equal(probed.met, true);
      } finally {
        await ok(p, ['connector', 'remove', 'Wingtip']).catch(() => undefined);
        await mx2.close();
      }
    });

    it('YAML export, remove all, import: identical connectors', async () => {
      await ok(p, ['connector', 'add', 'Hybrid', '--direction', 'inbound', '--type', 'onPremises', '--sender-ip-addresses', '10.20.0.0/16,2001:db8::/48', '--comment', 'Exchange 2019 on-premises']);
      await ok(p, ['connector', 'add', 'Filter', '--direction', 'inbound', '--type', 'filter', '--sender-ip-addresses', '192.0.2.10', '--skip-ip-addresses', '192.0.2.20', '--skip-last-ip', 'true']);
      await ok(p, ['connector', 'add', 'To partners', '--direction', 'outbound', '--recipient-domains', 'tailspin.test', '--smart-hosts', 'smtp.tailspin.test:587', '--auth-username', 'u', '--auth-password', 'pw secret 1']);
      const before = JSON.parse(await ok(p, ['connector', 'list', '--json'])).connectors.map(comparable);
      const yaml = await ok(p, ['connector', 'export']);
      assert.equal(yaml.includes('pw secret 1'), false, 'no password in clear');
      const file = join(dir, 'connectors.yaml');
      await writeFile(file, yaml);
      for (const c of before) await ok(p, ['connector', 'remove', c.name]);
      assert.match(await ok(p, ['connector', 'list']), /no connectors/);
      assert.match(await ok(p, ['connector', 'import', file, '--dry-run']), /dry run: nothing applied/);
      assert.match(await ok(p, ['connector', 'list']), /no connectors/);
      assert.match(await ok(p, ['connector', 'import', file]), /applied/);
      const after = JSON.parse(await ok(p, ['connector', 'list', '--json'])).connectors.map(comparable);
      assert.deepEqual(after, before);
      // the same file again changes nothing
      assert.match(await ok(p, ['connector', 'import', file]), /nothing to change/);
      // a broken file: line-numbered errors, nothing applied
      await writeFile(file, yaml.replace('type: filter', 'type: firewall'));
      const bad = await mailctl(p, ['connector', 'import', file]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /line \d+: connector Filter: type: /);
      for (const c of after) await ok(p, ['connector', 'remove', c.name]);
    });
  });
}
