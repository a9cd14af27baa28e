import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { authenticate } from 'mailauth';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import nodemailer from 'nodemailer';
import { freePort, mailctl, RawLineClient, type PlatformUnderTest } from '@mail/testing';
import { parseDsn } from './dsn-parser.js';
import { fakePolicyHost, fakeRemoteMx, testCa, type ReceivedMail } from './fake-remote-mx.js';
import { imapClient } from './scenario.js';

const DOMAIN = 'sender.test';
const PASSWORD = 'correct horse battery';
const ALICE = `alice@${DOMAIN}`;

interface Remote {
  received: ReceivedMail[];
  close(): Promise<void>;
}

async function ok(p: PlatformUnderTest, args: string[]): Promise<string> {
  const r = await mailctl(p, args);
  assert.equal(r.code, 0, `mailctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The raw messages of a user's INBOX once there are at least `count`. */
async function inbox(p: PlatformUnderTest, user: string, count: number): Promise<string[]> {
  const client = imapClient(p, user, PASSWORD);
  await client.connect();
  try {
    await waitFor(`${count} messages for ${user}`, async () => (((await client.status('INBOX', { messages: true })) as { messages?: number }).messages ?? 0) >= count);
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      for await (const m of client.fetch('1:*', { source: true })) out.push(m.source?.toString('utf8') ?? '');
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

const message = (to: string, subject: string) => ({
  from: `Alice <${ALICE}>`,
  to,
  subject,
  text: `Hello ${to},\r\n\r\nthis message leaves the platform.\r\n`,
});

/**
 * Outbound mail as it meets the internet: DKIM-signed by the hosted domain's keys (verified by the
 * receiving MX with mailauth against the test's DNS), MX resolution through the platform's DNS
 * (A records of MX names on 127.0.0.x), null MX bounced at once with an RFC 3464 DSN, MTA-STS
 * enforce honoured (validated TLS to the MX the policy lists, deferral when it cannot be had).
 * `start` gets the environment the platform needs (fake MXs' port, policy port, test CA).
 */
export function outboundMail(name: string, start: (env: NodeJS.ProcessEnv) => Promise<PlatformUnderTest>): void {
  describe(`outbound mail (${name})`, { timeout: 240_000 }, () => {
    let p: PlatformUnderTest;
    let dir: string;
    const remotes: Remote[] = [];
    let plain: Remote;
    let stsMx: Remote;
    let policyHost: Awaited<ReturnType<typeof fakePolicyHost>>;
    let resolver: Resolver;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'outbound-e2e-'));
      const ca = await testCa();
      await writeFile(join(dir, 'ca.pem'), ca.cert);
      const smtpPort = await freePort();
      const httpsPort = await freePort();
      plain = await fakeRemoteMx('127.0.0.2', smtpPort);
      stsMx = await fakeRemoteMx('127.0.0.3', smtpPort, { tls: await ca.issue(['mx.sts.test']) });
      // a TLS MX whose certificate names another host: MTA-STS enforce must refuse it
      const wrongName = await fakeRemoteMx('127.0.0.5', smtpPort, { tls: await ca.issue(['elsewhere.test']) });
      remotes.push(plain, stsMx, wrongName);
      const policy = (mx: string) => `version: STSv1\r\nmode: enforce\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;
      policyHost = await fakePolicyHost('127.0.0.4', httpsPort, await ca.issue(['mta-sts.sts.test', 'mta-sts.badsts.test']), {
        'mta-sts.sts.test': policy('mx.sts.test'),
        'mta-sts.badsts.test': policy('mx.badsts.test'),
      });
      // TLS-RPT windows of 2 s instead of a day, so that a report is due within the test
      p = await start({ OUTBOUND_PORT: String(smtpPort), MTA_STS_PORT: String(httpsPort), OUTBOUND_TLS_CA_FILE: join(dir, 'ca.pem'), TLS_REPORT_PERIOD_SECONDS: '2' });
      assert.ok(p.dns, 'the platform runs against the test DNS server');
      const dns = p.dns;
      dns.set('remote.test', { MX: [{ exchange: 'mx1.remote.test', priority: 10 }, { exchange: 'mx2.remote.test', priority: 20 }] });
      dns.set('mx1.remote.test', { A: ['127.0.0.2'] });
      dns.set('mx2.remote.test', { A: ['127.0.0.6'] });
      dns.set('_smtp._tls.remote.test', { TXT: ['v=TLSRPTv1; rua=mailto:tlsrpt@remote.test'] });
      dns.set('nomail.test', { MX: [{ exchange: '.', priority: 0 }] });
      dns.set('sts.test', { MX: [{ exchange: 'mx.sts.test', priority: 10 }] });
      dns.set('mx.sts.test', { A: ['127.0.0.3'] });
      dns.set('_mta-sts.sts.test', { TXT: ['v=STSv1; id=20261207'] });
      dns.set('mta-sts.sts.test', { A: ['127.0.0.4'] });
      dns.set('badsts.test', { MX: [{ exchange: 'mx.badsts.test', priority: 10 }] });
      dns.set('mx.badsts.test', { A: ['127.0.0.5'] });
      // the original sender of forwarded mail: its bounces come back to this MX
      dns.set('origin.test', { MX: [{ exchange: 'mx1.remote.test', priority: 10 }] });
      dns.set('_mta-sts.badsts.test', { TXT: ['v=STSv1; id=1'] });
      dns.set('mta-sts.badsts.test', { A: ['127.0.0.4'] });
      resolver = new Resolver();
      resolver.setServers(dns.servers);

      await ok(p, ['domain', 'add', DOMAIN]);
      await ok(p, ['user', 'add', ALICE, '--password', PASSWORD]);
    });

    after(async () => {
      await p?.close();
      await Promise.all(remotes.map((r) => r.close()));
      await policyHost?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const send = (to: string, subject: string) =>
      nodemailer
        .createTransport({ host: p.host, port: p.ports.submission, secure: false, requireTLS: true, auth: { user: ALICE, pass: PASSWORD }, tls: { rejectUnauthorized: false } })
        .sendMail(message(to, subject));

    it('mailctl dkim add prints the TXT records; mailctl domain dns lists every record to publish', async () => {
      const rsa = await ok(p, ['dkim', 'add', DOMAIN, '--selector', 'r1']);
      const ed = await ok(p, ['dkim', 'add', DOMAIN, '--algorithm', 'ed25519', '--selector', 'e1']);
      for (const [out, sel] of [
        [rsa, 'r1'],
        [ed, 'e1'],
      ]) {
        const m = new RegExp(`^(${sel}\\._domainkey\\.${DOMAIN.replace('.', '\\.')})\\. 3600 IN TXT (.*)$`, 'm').exec(out);
        assert.ok(m, out);
        // the zone line's strings joined are the record; publish it on the test DNS
        const txt = [...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]).join('');
        assert.match(txt, /^v=DKIM1; k=(rsa|ed25519); p=/);
        p.dns?.set(m[1], { TXT: [txt] });
      }
      const list = await ok(p, ['dkim', 'list', '--domain', DOMAIN]);
      assert.match(list, /r1\s+rsa-2048\s+active/);
      assert.match(list, /e1\s+ed25519\s+active/);
      const dns = await ok(p, ['domain', 'dns', DOMAIN]);
      for (const re of [/^sender\.test\. 3600 IN MX 10 /m, /^sender\.test\. 3600 IN TXT "v=spf1 /m, /^r1\._domainkey\.sender\.test\. /m, /^e1\._domainkey\.sender\.test\. /m, /^_dmarc\.sender\.test\. 3600 IN TXT "v=DMARC1; /m, /^_mta-sts\.sender\.test\. 3600 IN TXT "v=STSv1; id=/m, /^_smtp\._tls\.sender\.test\. 3600 IN TXT "v=TLSRPTv1; /m, /mode: testing/]) {
        assert.match(dns, re);
      }
      const unknown = await mailctl(p, ['domain', 'dns', 'unhosted.test']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /not hosted/);
    });

    it('delivers to the first MX by preference, DKIM-signed with both keys, and the signatures verify', async () => {
      await send('bob@remote.test', 'signed and sent');
      const mail = await waitFor('the remote MX to receive', () => plain.received.find((m) => m.to.includes('bob@remote.test')));
      assert.equal(mail.from, ALICE);
      const verified = await dkimVerify(mail.body, { resolver: (n: string, t: string) => resolver.resolve(n, t as 'TXT') as never });
      const results = verified.results.map((r) => `${r.signingDomain} ${r.selector} ${r.status.result}`).sort();
      assert.deepEqual(results, [`${DOMAIN} e1 pass`, `${DOMAIN} r1 pass`]);
    });

    it('sends a TLS-RPT aggregate report (RFC 8460) to the rua of _smtp._tls.remote.test', async () => {
      // the session of the previous test (no STARTTLS at mx1.remote.test) is counted; the window is 2 s here
      const mail = await waitFor('the TLS report', () => plain.received.find((m) => m.to.includes('tlsrpt@remote.test')), 20_000);
      assert.equal(mail.from, '', 'reports go from the null sender');
      const raw = mail.body.toString('utf8');
      assert.match(raw, /^TLS-Report-Domain: remote\.test\r$/m);
      assert.match(raw, /^Content-Type: multipart\/report; report-type="tlsrpt"/m);
      const b64 = /Content-Type: application\/tlsrpt\+gzip;[^]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(raw)?.[1] ?? '';
      const report = JSON.parse(gunzipSync(Buffer.from(b64.replace(/\r\n/g, ''), 'base64')).toString()) as {
        'organization-name': string;
        policies: Array<{ policy: { 'policy-type': string; 'policy-domain': string }; summary: Record<string, number>; 'failure-details'?: Array<Record<string, unknown>> }>;
      };
      assert.equal(report['organization-name'], 'localhost');
      const [entry] = report.policies;
      assert.deepEqual(entry.policy, { 'policy-type': 'no-policy-found', 'policy-domain': 'remote.test' });
      assert.ok(entry.summary['total-failure-session-count'] >= 1);
      assert.deepEqual(entry['failure-details']?.[0], { 'result-type': 'starttls-not-supported', 'receiving-mx-hostname': 'mx1.remote.test', 'receiving-ip': '127.0.0.2', 'failed-session-count': entry.summary['total-failure-session-count'] });
    });

    it('bounces a domain with a null MX (RFC 7505) at once, with an RFC 3464 DSN to the sender', async () => {
      await send('nobody@nomail.test', 'to a domain that takes no mail');
      const [raw] = await inbox(p, ALICE, 1);
      const dsn = parseDsn(raw);
      assert.match(dsn.contentType, /^multipart\/report;.*report-type=delivery-status/i);
      assert.deepEqual(dsn.parts.map((x) => x.contentType), ['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
      assert.match(dsn.perMessage['reporting-mta'], /^dns; /);
      assert.equal(dsn.perRecipient.length, 1);
      assert.equal(dsn.perRecipient[0]['final-recipient'], 'rfc822; nobody@nomail.test');
      assert.equal(dsn.perRecipient[0].action, 'failed');
      assert.equal(dsn.perRecipient[0].status, '5.1.10');
      assert.match(dsn.parts[2].body, /Subject: to a domain that takes no mail/);
    });

    it('MTA-STS enforce: fetches the policy over HTTPS and delivers over validated TLS to the listed MX', async () => {
      await send('carol@sts.test', 'under MTA-STS');
      const mail = await waitFor('the MTA-STS MX to receive', () => stsMx.received.find((m) => m.to.includes('carol@sts.test')));
      assert.equal(mail.secure, true, 'STARTTLS was used');
      assert.ok(policyHost.fetched.includes('mta-sts.sts.test/.well-known/mta-sts.txt'));
    });

    it('MTA-STS enforce: defers rather than deliver to an MX whose certificate does not match', async () => {
      await send('dave@badsts.test', 'must not go out');
      const queued = await waitFor('the deferral', async () => {
        const out = await ok(p, ['queue', 'list', '--status', 'deferred']);
        return out.includes('dave@badsts.test') ? out : null;
      });
      assert.match(queued, /4\.7\.5/);
      assert.ok(!remotes.some((r) => r.received.some((m) => m.to.includes('dave@badsts.test'))), 'nothing was delivered without validated TLS');
    });

    it('forwarding: an alias to a remote address leaves with an SRS sender; a bounce to it reaches the original sender; forged SRS refused', async () => {
      await ok(p, ['alias', 'add', `fwd@${DOMAIN}`, 'carol@remote.test']);
      const mx = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, secure: false, tls: { rejectUnauthorized: false } });
      const raw = `From: Dave <dave@origin.test>\r\nTo: fwd@${DOMAIN}\r\nSubject: please forward\r\nMessage-ID: <fwd-1@origin.test>\r\n\r\nhello\r\n`;
      assert.match((await mx.sendMail({ envelope: { from: 'dave@origin.test', to: [`fwd@${DOMAIN}`] }, raw })).response, /^250/);
      const forwarded = await waitFor('the forwarded copy', () => plain.received.find((m) => m.to.includes('carol@remote.test')));
      // SPF at remote.test now asks about the platform's domain, not origin.test
      assert.match(forwarded.from, /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=origin\.test=dave@localhost$/);
      assert.match(forwarded.body.toString('utf8'), /Subject: please forward/);
      // ARC-sealed by the forwarding domain with its DKIM key (RFC 8617), carrying our verdict of the message as it arrived
      const arc = await authenticate(forwarded.body, { ip: '127.0.0.1', helo: 'localhost', sender: forwarded.from, mta: 'mx1.remote.test', resolver: (n: string, t: string) => resolver.resolve(n, t as 'TXT') as never });
      assert.ok(arc.arc, 'the copy carries an ARC set');
      assert.equal(arc.arc.status.result, 'pass', JSON.stringify(arc.arc));
      assert.match(forwarded.body.toString('utf8'), /^ARC-Seal: i=1; a=rsa-sha256; t=\d+; cv=none; d=sender\.test; s=r1;/m);
      assert.match(forwarded.body.toString('utf8'), /^ARC-Authentication-Results: i=1; localhost;/m);

      // remote.test bounces to the SRS address: it goes back to dave at origin.test, still from <>
      const bounce = await RawLineClient.open(p.ports.smtp);
      try {
        await bounce.line(/^220 /);
        bounce.sendLine('EHLO mx1.remote.test');
        await bounce.line(/^250 /);
        bounce.sendLine('MAIL FROM:<>');
        assert.match(await bounce.line(/^\d{3} /), /^250/);
        bounce.sendLine(`RCPT TO:<${forwarded.from}>`);
        assert.match(await bounce.line(/^\d{3} /), /^250/);
        // a made-up SRS address (another destination under the same hash) makes no relay of us
        bounce.sendLine(`RCPT TO:<${forwarded.from.replace('=dave@', '=mallory@')}>`);
        assert.match(await bounce.line(/^\d{3} /), /^550 5\.1\.1 .*invalid SRS address/);
        bounce.sendLine('DATA');
        assert.match(await bounce.line(/^\d{3} /), /^354/);
        bounce.send('From: MAILER-DAEMON@remote.test\r\nTo: dave@origin.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nno such user\r\n.\r\n');
        assert.match(await bounce.line(/^\d{3} /), /^250/);
        bounce.sendLine('QUIT');
      } finally {
        bounce.close();
      }
      const returned = await waitFor('the bounce at the original sender', () => plain.received.find((m) => m.to.includes('dave@origin.test')));
      assert.equal(returned.from, '', 'a bounce keeps the null sender');
      assert.match(returned.body.toString('utf8'), /Undelivered Mail Returned to Sender/);
    });

    it('queue administration through mailctl: list by domain and sender, show, hold, release, retry, delete with a bounce', async () => {
      const listed = JSON.parse(await ok(p, ['queue', 'list', '--domain', 'badsts.test', '--sender', ALICE, '--json'])) as { entries: Array<{ queueId: string; recipients: Array<{ address: string }> }> };
      assert.equal(listed.entries.length, 1);
      const id = listed.entries[0].queueId;
      assert.equal(JSON.parse(await ok(p, ['queue', 'list', '--domain', 'nowhere.test', '--json'])).entries.length, 0);
      assert.match(await ok(p, ['queue', 'list', '--domain', 'badsts.test']), new RegExp(`^${id}\\s+${ALICE.replace('.', '\\.')}\\s+dave@badsts\\.test\\s+deferred`, 'm'));

      const show = await ok(p, ['queue', 'show', id]);
      assert.match(show, /^subject:\s+must not go out$/m);
      assert.match(show, /^received:.*\(submission /m);
      assert.match(show, /^dave@badsts\.test\s+deferred\s+\d+\s+\S+\s+4\.7\.5 /m);

      // a worker may be attempting it right now: hold takes only what no worker holds
      await waitFor('the hold', async () => /held: 1 recipient/.test(await ok(p, ['queue', 'hold', id])) || (await ok(p, ['queue', 'list', '--status', 'held'])).includes(id));
      assert.match(await ok(p, ['queue', 'list', '--status', 'held']), new RegExp(id));
      assert.equal(await ok(p, ['queue', 'release', id]), 'released: 1 recipient\n');
      assert.match(await ok(p, ['queue', 'retry', '--all']), /^retrying: \d+ recipients?\n$/);
      await waitFor('the hold again', async () => /held: 1 recipient/.test(await ok(p, ['queue', 'hold', id])) || (await ok(p, ['queue', 'list', '--status', 'held'])).includes(id));
      assert.equal(await ok(p, ['queue', 'delete', id, '--bounce']), 'deleted and bounced: 1 recipient\n');
      const after = JSON.parse(await ok(p, ['queue', 'show', id, '--json'])) as { recipients: Array<{ status: string; lastError: string }> };
      assert.equal(after.recipients[0].status, 'bounced');

      const reports = await inbox(p, ALICE, 2);
      const dsn = parseDsn(reports.find((r) => r.includes('dave@badsts.test')) ?? '');
      assert.equal(dsn.perRecipient[0].action, 'failed');
      assert.equal(dsn.perRecipient[0].status, '5.3.0');

      const bad = await mailctl(p, ['queue', 'show', 'not-an-id']);
      assert.equal(bad.code, 2);
      const gone = await mailctl(p, ['queue', 'hold', '00000000-0000-4000-8000-000000000000']);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /no message/);
    });
  });
}
