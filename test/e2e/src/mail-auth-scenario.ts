import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { mailctl, senderDomain, type PlatformUnderTest, type SenderDomain } from '@mail/testing';
import { sampleMessage } from './messages.js';
import { imapClient, waitForMessages } from './scenario.js';

const DOMAIN = 'inauth.test';
const ANN = `ann@${DOMAIN}`;
const PASSWORD = 'correct horse battery';

type SmtpFailure = { responseCode?: number; response?: string };

async function ok(p: PlatformUnderTest, args: string[]): Promise<string> {
  const r = await mailctl(p, args);
  assert.equal(r.code, 0, `mailctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The raw source of the newest message in `mailbox` once it holds `count`. */
async function newest(p: PlatformUnderTest, mailbox: string, count: number): Promise<{ source: string; specialUse?: string }> {
  const client = imapClient(p, ANN, PASSWORD);
  await client.connect();
  try {
    await waitForMessages(client, count, 20_000, mailbox);
    const list = await client.list();
    const lock = await client.getMailboxLock(mailbox);
    try {
      const m = await client.fetchOne('*', { source: true });
      assert.ok(m && m.source, `a message in ${mailbox}`);
      return { source: m.source.toString('utf8'), specialUse: list.find((l) => l.path === mailbox)?.specialUse };
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/**
 * Mail from the internet as the MX meets it: DKIM-signed with mailauth by the "sender" in the test,
 * SPF, DKIM and DMARC records served by the loopback DNS server, sent with nodemailer to the MX,
 * read back over IMAP. Runs against either mode.
 */
export function mailAuthentication(name: string, start: () => Promise<PlatformUnderTest>): void {
  describe(`inbound mail authentication (${name})`, { timeout: 180_000 }, () => {
    let p: PlatformUnderTest;
    let rejecting: SenderDomain;
    let quarantining: SenderDomain;
    let inbox = 0;
    const mx = () => nodemailer.createTransport({ host: p.host, port: p.ports.smtp, secure: false, tls: { rejectUnauthorized: false } });
    const send = (from: string, raw: Buffer) => mx().sendMail({ envelope: { from, to: [ANN] }, raw });

    before(async () => {
      p = await start();
      assert.ok(p.dns, 'the platform runs with a loopback DNS server');
      rejecting = senderDomain('bank.test', { dmarc: 'v=DMARC1; p=reject' });
      quarantining = senderDomain('shop.test', { dmarc: 'v=DMARC1; p=quarantine' });
      for (const d of [rejecting, quarantining]) for (const [n, r] of Object.entries(d.zone)) p.dns.set(n, r);
      // a second hosted domain that publishes p=reject: nobody outside may send as it
      p.dns.set('_dmarc.strict.test', { TXT: ['v=DMARC1; p=reject'] });
      await ok(p, ['domain', 'add', DOMAIN]);
      await ok(p, ['domain', 'add', 'strict.test']);
      await ok(p, ['user', 'add', ANN, '--password', PASSWORD]);
    });
    after(async () => {
      await p?.close();
    });

    it('delivers a DKIM-signed message with one Authentication-Results of ours under our Received', async () => {
      const m = sampleMessage({ from: 'news@bank.test', to: ANN, subject: 'signed' });
      const info = await send('news@bank.test', await rejecting.sign(m.raw));
      assert.match(info.response, /^250 /);
      const { source } = await newest(p, 'INBOX', ++inbox);
      assert.match(source, /^Received: [^]*?\r\nAuthentication-Results: [^;]+;\r\n dkim=pass [^;]*header\.i=@bank\.test[^]*?dmarc=pass /);
      assert.equal(source.match(/^Authentication-Results:/gm)?.length, 1);
    });

    it('removes an Authentication-Results claiming our host name', async () => {
      const { source: before } = await newest(p, 'INBOX', inbox);
      const ours = /^Authentication-Results: ([^;\s]+);/m.exec(before)?.[1];
      assert.ok(ours, 'our authserv-id');
      const m = sampleMessage({ from: 'news@bank.test', to: ANN, subject: 'forged verdict' });
      const raw = await rejecting.sign(Buffer.concat([Buffer.from(`Authentication-Results: ${ours}; dkim=pass; dmarc=pass header.from=paypal.test\r\n`), m.raw]));
      await send('news@bank.test', raw);
      const { source } = await newest(p, 'INBOX', ++inbox);
      assert.doesNotMatch(source, /paypal\.test/);
      assert.equal(source.match(/^Authentication-Results:/gm)?.length, 1);
    });

    it('refuses a forged message from a p=reject domain at end of DATA with 550 5.7.1 naming DMARC', async () => {
      const m = sampleMessage({ from: 'ceo@bank.test', to: ANN, subject: 'wire money now' });
      await assert.rejects(send('ceo@bank.test', m.raw), (err: SmtpFailure) => {
        assert.equal(err.responseCode, 550);
        assert.match(err.response ?? '', /^550 5\.7\.1 .*DMARC/);
        return true;
      });
    });

    it('delivers a forged message from a p=quarantine domain to Junk, created with \\Junk when the user deleted it', async () => {
      const client = imapClient(p, ANN, PASSWORD);
      await client.connect();
      await client.mailboxDelete('Junk');
      await client.logout();
      const m = sampleMessage({ from: 'deals@shop.test', to: ANN, subject: 'quarantined' });
      await send('deals@shop.test', m.raw);
      const { source, specialUse } = await newest(p, 'Junk', 1);
      assert.equal(specialUse, '\\Junk');
      assert.match(source, /dmarc=fail /);
      assert.ok(source.includes(m.marker));
    });

    it('with --dmarc-policy report-only delivers what the sender domain would have rejected', async () => {
      assert.match(await ok(p, ['domain', 'set', DOMAIN, '--dmarc-policy', 'report-only']), /dmarc policy report-only/);
      const m = sampleMessage({ from: 'ceo@bank.test', to: ANN, subject: 'reported only' });
      assert.match((await send('ceo@bank.test', m.raw)).response, /^250 /);
      const { source } = await newest(p, 'INBOX', ++inbox);
      assert.ok(source.includes(m.marker));
      assert.match(source, /dmarc=fail /);
      await ok(p, ['domain', 'set', DOMAIN, '--dmarc-policy', 'enforce']);
      const bad = await mailctl(p, ['domain', 'set', DOMAIN, '--dmarc-policy', 'sometimes']);
      assert.notEqual(bad.code, 0);
    });

    it('delivers SMTPUTF8 mail between UTF-8 addresses, visible over IMAP', async () => {
      const dorte = `dörte@${DOMAIN}`;
      await ok(p, ['user', 'add', dorte, '--password', PASSWORD]);
      const sender = 'δοκιμή@παράδειγμα.example';
      const raw = Buffer.from(`From: ${sender}\r\nTo: ${dorte}\r\nSubject: Grüße\r\nMessage-ID: <utf8@e2e.test>\r\n\r\nhallo\r\n`);
      const info = await mx().sendMail({ envelope: { from: sender, to: [dorte] }, raw });
      assert.match(info.response, /^250 /);
      const client = imapClient(p, dorte, PASSWORD);
      await client.connect();
      try {
        await waitForMessages(client, 1);
        const lock = await client.getMailboxLock('INBOX');
        try {
          const m = await client.fetchOne('*', { envelope: true, source: true });
          assert.ok(m);
          assert.equal(m.envelope?.from?.[0]?.address, sender);
          assert.equal(m.envelope?.to?.[0]?.address, dorte);
          assert.match(m.source?.toString('utf8') ?? '', /for <dörte@inauth\.test>/);
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    });

    it('marks a hosted-domain author arriving from outside, and refuses it when the domain publishes p=reject', async () => {
      const m = sampleMessage({ from: ANN, to: ANN, subject: 'from myself?' });
      await send(ANN, m.raw);
      const { source } = await newest(p, 'INBOX', ++inbox);
      assert.match(source, /^X-Hosted-Sender-Unverified: inauth\.test /m);
      const boss = 'boss@strict.test';
      await assert.rejects(send(boss, sampleMessage({ from: boss, to: ANN, subject: 'from the boss?' }).raw), (err: SmtpFailure) => err.responseCode === 550);
    });
  });
}
