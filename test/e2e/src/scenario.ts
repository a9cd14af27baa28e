import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { Pop3TestClient, mailctl, type PlatformUnderTest } from '@mail/testing';
import { sampleMessage, stripPrependedTraceHeaders } from './messages.js';

const DOMAIN = 'example.test';
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const PASSWORD = 'correct horse battery';

export function imapClient(p: PlatformUnderTest, user: string, pass = PASSWORD, port = p.ports.imap): ImapFlow {
  return new ImapFlow({ host: p.host, port, secure: false, auth: { user, pass }, logger: false, tls: { rejectUnauthorized: false }, disableAutoIdle: true });
}

function mx(p: PlatformUnderTest, port = p.ports.smtp) {
  return nodemailer.createTransport({ host: p.host, port, secure: false, tls: { rejectUnauthorized: false } });
}

function submission(p: PlatformUnderTest, user: string, pass = PASSWORD) {
  return nodemailer.createTransport({ host: p.host, port: p.ports.submission, secure: false, requireTLS: true, auth: { user, pass }, tls: { rejectUnauthorized: false } });
}

/** Polls IMAP STATUS until the mailbox holds `count` messages (delivery is asynchronous). */
export async function waitForMessages(client: ImapFlow, count: number, timeoutMs = 20_000, mailbox = 'INBOX'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await client.status(mailbox, { messages: true }).catch(() => ({ messages: 0 }))) as { messages?: number };
    if ((status.messages ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`${mailbox} has ${status.messages} messages, expected ${count}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The mail round trip of issue 2, as a user does it: provision with mailctl, send with a standard
 * SMTP client, read with IMAP and POP3. Runs against either mode.
 */
export function mailRoundTrip(name: string, start: () => Promise<PlatformUnderTest>): void {
  describe(`mail round trip (${name})`, { timeout: 180_000 }, () => {
    let p: PlatformUnderTest;
    let first: ReturnType<typeof sampleMessage>;

    before(async () => {
      p = await start();
    });
    after(async () => {
      await p?.close();
    });

    it('provisions a domain and two users with mailctl', async () => {
      let r = await mailctl(p, ['domain', 'add', DOMAIN]);
      assert.equal(r.code, 0, r.stderr);
      r = await mailctl(p, ['user', 'add', ALICE, '--password', PASSWORD]);
      assert.equal(r.code, 0, r.stderr);
      r = await mailctl(p, ['user', 'add', BOB, '--password', PASSWORD]);
      assert.equal(r.code, 0, r.stderr);
      r = await mailctl(p, ['user', 'list']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /alice@example\.test/);
      r = await mailctl(p, ['user', 'add', 'carol@unhosted.test', '--password', PASSWORD]);
      assert.notEqual(r.code, 0, 'a user in an unhosted domain is refused');
    });

    it('accepts mail for a local user on the MX port and refuses unknown users and relaying', async () => {
      first = sampleMessage({ from: 'someone@remote.test', to: ALICE, subject: 'first message' });
      const info = await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [ALICE] }, raw: first.raw });
      assert.match(info.response, /^250/);

      await assert.rejects(
        mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [`nobody@${DOMAIN}`] }, raw: first.raw }),
        (err: { responseCode?: number; response?: string }) => err.responseCode === 550 && /5\.1\.1/.test(err.response ?? ''),
      );
      await assert.rejects(
        mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: ['victim@elsewhere.test'] }, raw: first.raw }),
        (err: { responseCode?: number; response?: string }) => [550, 554].includes(err.responseCode ?? 0) && /5\.7\.1/.test(err.response ?? ''),
      );
    });

    it('shows the message in IMAP byte-identical after the prepended trace headers', async () => {
      const client = imapClient(p, ALICE);
      await client.connect();
      try {
        await waitForMessages(client, 1);
        const lock = await client.getMailboxLock('INBOX');
        try {
          const msg = await client.fetchOne('*', { source: true, envelope: true, bodyStructure: true, flags: true, size: true, internalDate: true, uid: true });
          assert.ok(msg && msg.source);
          const { prefix, rest } = stripPrependedTraceHeaders(msg.source, first.raw);
          assert.deepEqual(rest, first.raw);
          assert.match(prefix, /^Received: from /);
          assert.equal(msg.envelope?.subject, 'first message');
          assert.equal(msg.envelope?.messageId, first.messageId);
          assert.equal(msg.bodyStructure?.type, 'multipart/alternative');
          assert.equal(msg.size, msg.source.length);

          const search = await client.search({ body: first.marker }, { uid: true });
          assert.deepEqual(search, [msg.uid]);
          const bySubject = await client.search({ subject: 'first' }, { uid: true });
          assert.deepEqual(bySubject, [msg.uid]);

          const text = await client.fetchOne(String(msg.uid), { bodyParts: ['TEXT', '1'] }, { uid: true });
          assert.ok(text && text.bodyParts);
          assert.match(text.bodyParts.get('1')!.toString('utf8'), new RegExp(first.marker));

          await client.messageFlagsAdd(String(msg.uid), ['\\Flagged'], { uid: true });
          const flagged = await client.search({ flagged: true }, { uid: true });
          assert.deepEqual(flagged, [msg.uid]);
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    });

    it('refuses a wrong IMAP password', async () => {
      const client = imapClient(p, ALICE, 'wrong password!');
      await assert.rejects(client.connect());
      client.close();
    });

    it('sends through submission after STARTTLS + AUTH, and refuses another sender address', async () => {
      const msg = sampleMessage({ from: BOB, to: ALICE, subject: 'from bob' });
      const info = await submission(p, BOB).sendMail({ envelope: { from: BOB, to: [ALICE] }, raw: msg.raw });
      assert.match(info.response, /^250/);
      await assert.rejects(
        submission(p, BOB).sendMail({ envelope: { from: ALICE, to: [BOB] }, raw: msg.raw }),
        (err: { responseCode?: number }) => (err.responseCode ?? 0) >= 500,
      );
      await assert.rejects(submission(p, BOB, 'wrong password!').sendMail({ envelope: { from: BOB, to: [ALICE] }, raw: msg.raw }));
      const client = imapClient(p, ALICE);
      await client.connect();
      try {
        await waitForMessages(client, 2);
      } finally {
        await client.logout();
      }
    });

    it('pushes a new delivery to an IDLE client as EXISTS', async () => {
      const client = imapClient(p, ALICE);
      await client.connect();
      try {
        await client.mailboxOpen('INBOX');
        const before = client.mailbox ? (client.mailbox as { exists: number }).exists : 0;
        const existsSeen = new Promise<number>((resolve) => client.on('exists', (d: { count: number }) => resolve(d.count)));
        const idling = client.idle();
        const msg = sampleMessage({ from: 'someone@remote.test', to: ALICE, subject: 'while idle' });
        await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [ALICE] }, raw: msg.raw });
        const count = await Promise.race([existsSeen, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no EXISTS pushed')), 15_000))]);
        assert.equal(count, before + 1);
        await client.noop(); // ends IDLE
        await idling.catch(() => undefined);
      } finally {
        await client.logout();
      }
    });

    it('serves the maildrop over POP3 with STLS, locks it, and DELE+QUIT removes from IMAP too', async () => {
      const { client, greeting } = await Pop3TestClient.connect(p.host, p.ports.pop3);
      assert.match(greeting, /^\+OK/);
      assert.match(await client.stls(), /^\+OK/);
      assert.match(await client.command(`USER ${ALICE}`), /^\+OK/);
      assert.match(await client.command(`PASS ${PASSWORD}`), /^\+OK/);

      const second = await Pop3TestClient.connect(p.host, p.ports.pop3);
      await second.client.stls();
      await second.client.command(`USER ${ALICE}`);
      assert.match(await second.client.command(`PASS ${PASSWORD}`), /^-ERR \[IN-USE\]/);
      second.client.close();

      const stat = await client.command('STAT');
      const count = Number(/^\+OK (\d+)/.exec(stat)?.[1]);
      assert.equal(count, 3);
      const uidl1 = await client.multiline('UIDL');
      const retr = await client.multiline('RETR 1');
      assert.match(retr.status, /^\+OK/);
      assert.deepEqual(stripPrependedTraceHeaders(retr.body, first.raw).rest, first.raw);
      assert.match(await client.command('DELE 1'), /^\+OK/);
      assert.match(await client.command('QUIT'), /^\+OK/);
      client.close();

      const again = await Pop3TestClient.connect(p.host, p.ports.pop3);
      await again.client.stls();
      await again.client.command(`USER ${ALICE}`);
      assert.match(await again.client.command(`PASS ${PASSWORD}`), /^\+OK/);
      assert.match(await again.client.command('STAT'), /^\+OK 2 /);
      const uidl2 = await again.client.multiline('UIDL');
      const ids1 = uidl1.body.toString().trim().split('\r\n').map((l) => l.split(' ')[1]);
      const ids2 = uidl2.body.toString().trim().split('\r\n').map((l) => l.split(' ')[1]);
      assert.deepEqual(ids2, ids1.slice(1), 'UIDLs are stable across sessions');
      await again.client.command('QUIT');
      again.client.close();

      const imap = imapClient(p, ALICE);
      await imap.connect();
      try {
        const status = (await imap.status('INBOX', { messages: true })) as { messages?: number };
        assert.equal(status.messages, 2);
      } finally {
        await imap.logout();
      }
    });

    it('follows directory changes at once: an address accepted a moment ago is refused after mailctl removes it, and a new alias works', async () => {
      const carol = `carol@${DOMAIN}`;
      let r = await mailctl(p, ['user', 'add', carol, '--password', PASSWORD]);
      assert.equal(r.code, 0, r.stderr);
      const msg = sampleMessage({ from: 'someone@remote.test', to: carol, subject: 'for carol' });
      // twice: the second RCPT is answered from smtp-in's cache of directory answers
      for (let i = 0; i < 2; i++) assert.match((await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [carol] }, raw: msg.raw })).response, /^250/);

      const team = sampleMessage({ from: 'someone@remote.test', to: `team@${DOMAIN}`, subject: 'for the team' });
      await assert.rejects(mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [`team@${DOMAIN}`] }, raw: team.raw }), (err: { responseCode?: number }) => err.responseCode === 550);

      r = await mailctl(p, ['user', 'remove', carol]);
      assert.equal(r.code, 0, r.stderr);
      r = await mailctl(p, ['alias', 'add', `team@${DOMAIN}`, ALICE]);
      assert.equal(r.code, 0, r.stderr);
      // the change event crosses the bus asynchronously: allow it a moment, far below the cache TTL
      const deadline = Date.now() + 5_000;
      for (;;) {
        try {
          await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [carol] }, raw: msg.raw });
        } catch (err) {
          assert.equal((err as { responseCode?: number }).responseCode, 550);
          break;
        }
        assert.ok(Date.now() < deadline, 'a removed user is still accepted 5 s later');
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.match((await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [`team@${DOMAIN}`] }, raw: team.raw })).response, /^250/);
    });
  });
}
