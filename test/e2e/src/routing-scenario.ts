import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { mailctl, RawLineClient, type PlatformUnderTest } from '@mail/testing';
import { sampleMessage } from './messages.js';
import { imapClient } from './scenario.js';

const DOMAIN = 'routing.test';
const PASSWORD = 'correct horse battery';
const at = (local: string) => `${local}@${DOMAIN}`;

type SmtpFailure = { responseCode?: number; response?: string };

function mx(p: PlatformUnderTest) {
  return nodemailer.createTransport({ host: p.host, port: p.ports.smtp, secure: false, tls: { rejectUnauthorized: false } });
}

function submission(p: PlatformUnderTest, user: string) {
  return nodemailer.createTransport({ host: p.host, port: p.ports.submission, secure: false, requireTLS: true, auth: { user, pass: PASSWORD }, tls: { rejectUnauthorized: false } });
}

async function ok(p: PlatformUnderTest, args: string[]): Promise<string> {
  const r = await mailctl(p, args);
  assert.equal(r.code, 0, `mailctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Retries `attempt` for up to 5 s: a directory change reaches smtp-in's cache through an event
 * (asynchronous over NATS), far below the cache's TTL.
 */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Subjects in a user's INBOX, once it holds at least `count` messages (delivery is asynchronous). */
async function inboxSubjects(p: PlatformUnderTest, user: string, count: number): Promise<string[]> {
  const client = imapClient(p, user, PASSWORD);
  await client.connect();
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = (await client.status('INBOX', { messages: true })) as { messages?: number };
      if ((status.messages ?? 0) >= count) break;
      if (Date.now() > deadline) throw new Error(`${user}: INBOX has ${status.messages} messages, expected ${count}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const lock = await client.getMailboxLock('INBOX');
    try {
      const subjects: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
      return subjects.sort();
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/**
 * Local routing as an administrator sets it up with mailctl and as senders meet it over SMTP:
 * distribution groups (nested, with a loop, closed to the outside), catch-all, subaddresses, quotas. Runs
 * against either mode.
 */
export function localRouting(name: string, start: () => Promise<PlatformUnderTest>): void {
  describe(`local routing (${name})`, { timeout: 180_000 }, () => {
    let p: PlatformUnderTest;
    before(async () => {
      p = await start();
      await ok(p, ['domain', 'add', DOMAIN]);
      for (const u of ['ann', 'ben', 'cat']) await ok(p, ['user', 'add', at(u), '--password', PASSWORD]);
    });
    after(async () => {
      await p?.close();
    });

    it('manages groups with mailctl', async () => {
      // staff → ann, devs; devs → ben, staff (a loop), ann (reached twice)
      assert.match(await ok(p, ['group', 'add', at('staff'), at('ann'), at('devs'), '--name', 'All staff']), /group staff@routing\.test added \(2 members, senders: anyone\)/);
      await ok(p, ['group', 'add', at('devs'), at('ben'), at('staff'), at('ann')]);
      assert.match(await ok(p, ['group', 'add', at('board'), at('cat'), '--hosted-only']), /senders: hosted only/);
      assert.match(await ok(p, ['group', 'members', 'add', at('staff'), at('cat')]), /now has 3 members/);
      await ok(p, ['group', 'add', at('tmp')]);
      assert.match(await ok(p, ['group', 'remove', at('tmp')]), /removed/);

      const list = await ok(p, ['group', 'list', '--domain', DOMAIN]);
      assert.match(list, /^GROUP\s+NAME\s+SENDERS\s+MEMBERS/);
      assert.match(list, /board@routing\.test\s+-\s+hosted only\s+cat@routing\.test/);
      assert.doesNotMatch(list, /tmp@/);
      const show = await ok(p, ['group', 'show', at('staff')]);
      assert.match(show, /name:\s+All staff/);
      assert.match(show, /\n {2}cat@routing\.test\n/);
      const json = JSON.parse(await ok(p, ['group', 'show', at('devs'), '--json']));
      assert.deepEqual(json.members, [at('ann'), at('ben'), at('staff')]);

      let r = await mailctl(p, ['group', 'add', at('ann')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /already an account/);
      r = await mailctl(p, ['group', 'members', 'drop', at('staff'), at('ann')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /add or remove/);
    });

    it('delivers to a group with a nested group and a loop once to each member', async () => {
      const msg = sampleMessage({ from: 'someone@remote.test', to: at('staff'), subject: 'to staff' });
      // the group and a member of it in one envelope: still one copy each
      const info = await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('staff'), at('ben')] }, raw: msg.raw });
      assert.match(info.response, /^250/);
      for (const u of ['ann', 'ben', 'cat']) assert.deepEqual(await inboxSubjects(p, at(u), 1), ['to staff'], u);
    });

    it('refuses a hosted-senders-only group to the internet at RCPT, and accepts it from a hosted user', async () => {
      const msg = sampleMessage({ from: 'someone@remote.test', to: at('board'), subject: 'to the board' });
      await assert.rejects(
        mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('board')] }, raw: msg.raw }),
        (err: SmtpFailure) => err.responseCode === 550 && /5\.7\.1 .*only senders of this organisation/.test(err.response ?? ''),
      );
      const inside = sampleMessage({ from: at('ann'), to: at('board'), subject: 'board from ann' });
      assert.match((await submission(p, at('ann')).sendMail({ envelope: { from: at('ann'), to: [at('board')] }, raw: inside.raw })).response, /^250/);
      assert.deepEqual(await inboxSubjects(p, at('cat'), 2), ['board from ann', 'to staff']);
    });

    it('delivers user+tag to the user', async () => {
      const msg = sampleMessage({ from: 'someone@remote.test', to: at('ben+news'), subject: 'tagged for ben' });
      assert.match((await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('ben+news')] }, raw: msg.raw })).response, /^250/);
      assert.deepEqual(await inboxSubjects(p, at('ben'), 2), ['tagged for ben', 'to staff']);
    });

    it('changes a group with mailctl group set: name, who may send, the whole member list', async () => {
      await ok(p, ['user', 'add', at('gus'), '--password', PASSWORD]);
      await ok(p, ['group', 'add', at('ops'), at('ben'), '--hosted-only']);
      const shown = await ok(p, ['group', 'set', at('ops'), '--name', 'Operations', '--senders', 'anyone', '--members', `${at('gus')}, someone@remote.test`]);
      assert.match(shown, /name:\s+Operations\nsenders:\s+anyone\nmembers:\s*\n {2}gus@routing\.test\n {2}someone@remote\.test\n$/);
      const msg = sampleMessage({ from: 'someone@remote.test', to: at('ops'), subject: 'ops from outside' });
      // the change reaches smtp-in's cache through the directory event: the internet may now write
      assert.match((await eventually(() => mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('ops')] }, raw: msg.raw }))).response, /^250/);
      assert.deepEqual(await inboxSubjects(p, at('gus'), 1), ['ops from outside']);

      assert.match(await ok(p, ['group', 'set', at('ops'), '--members', 'none', '--name', '']), /name:\s+-\nsenders:\s+anyone\nmembers:\s+\(none\)/);
      let r = await mailctl(p, ['group', 'set', at('ops')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /nothing to set/);
      r = await mailctl(p, ['group', 'set', at('ops'), '--senders', 'friends']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /anyone or hosted-only/);
      r = await mailctl(p, ['group', 'set', at('nobody'), '--senders', 'anyone']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no group nobody@routing\.test/);
      r = await mailctl(p, ['group', 'set', at('ops'), '--members', at('ops')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /member of itself/);
    });

    it('refuses new mail for a full mailbox at RCPT with 452 4.2.2, and shows usage and limits in mailctl', async () => {
      await ok(p, ['user', 'add', at('dan'), '--password', PASSWORD, '--quota-messages', '1']);
      const first = sampleMessage({ from: 'someone@remote.test', to: at('dan'), subject: 'fills dan' });
      assert.match((await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('dan')] }, raw: first.raw })).response, /^250/);
      assert.deepEqual(await inboxSubjects(p, at('dan'), 1), ['fills dan']);

      const second = sampleMessage({ from: 'someone@remote.test', to: at('dan'), subject: 'one too many' });
      await assert.rejects(
        mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('dan')] }, raw: second.raw }),
        (err: SmtpFailure) => err.responseCode === 452 && /^452 4\.2\.2 <dan@routing\.test>: mailbox full/.test(err.response ?? ''),
      );
      const list = await ok(p, ['user', 'list', '--domain', DOMAIN]);
      assert.match(list, /^ADDRESS\s+NAME\s+STORAGE\s+MESSAGES\s+STATUS/);
      assert.match(list, /\ndan@routing\.test\s+-\s+\d+(\.\d)? (B|KiB)\s+1 of 1\s+active/);
      assert.match(list, /\nben@routing\.test\s+-\s+\d+(\.\d)? (B|KiB)\s+2\s+active/);
      const show = await ok(p, ['user', 'quota', at('dan'), '--bytes', '1M', '--messages', '5']);
      assert.match(show, /storage:\s+\d+(\.\d)? (B|KiB) of 1 MiB\nmessages:\s+1 of 5\n/);
      // the directory change reaches smtp-in's cache through the invalidation event
      const deadline = Date.now() + 5_000;
      for (;;) {
        try {
          assert.match((await mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('dan')] }, raw: second.raw })).response, /^250/);
          break;
        } catch (err) {
          assert.equal((err as SmtpFailure).responseCode, 452);
          assert.ok(Date.now() < deadline, 'the raised limit is not seen 5 s later');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.deepEqual(await inboxSubjects(p, at('dan'), 2), ['fills dan', 'one too many']);
      assert.match(await ok(p, ['user', 'show', at('dan')]), /messages:\s+2 of 5/);
      const r = await mailctl(p, ['user', 'quota', at('dan')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /nothing to set/);
    });

    it('sends unknown addresses to the catch-all set with mailctl domain set, and follows the subaddressing setting', async () => {
      const refused = (err: SmtpFailure) => err.responseCode === 550 && /5\.1\.1/.test(err.response ?? '');
      const send = (to: string, subject: string) =>
        mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [to] }, raw: sampleMessage({ from: 'someone@remote.test', to, subject }).raw });
      await assert.rejects(send(at('whoever'), 'nobody home'), refused);
      const set = await ok(p, ['domain', 'set', DOMAIN, '--catch-all', at('ANN')]);
      assert.match(set, /catch-all:\s+ann@routing\.test\n/);
      assert.match((await eventually(() => send(at('whoever'), 'caught'))).response, /^250/);
      assert.deepEqual(await inboxSubjects(p, at('ann'), 2), ['caught', 'to staff']);

      assert.match(await ok(p, ['domain', 'set', DOMAIN, '--catch-all', 'none', '--subaddressing', 'off']), /catch-all:\s+none\n {2}subaddressing:\s+off/);
      await eventually(() => assert.rejects(send(at('ben+news'), 'tag while off'), refused));
      await ok(p, ['domain', 'set', DOMAIN, '--subaddressing', '+-']);
      assert.match((await eventually(() => send(at('ben-lists'), 'dash tag'))).response, /^250/);
      assert.deepEqual(await inboxSubjects(p, at('ben'), 3), ['dash tag', 'tagged for ben', 'to staff']);
      const bad = await mailctl(p, ['domain', 'set', DOMAIN, '--subaddressing', 'ab']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /separators/);
    });

    it('holds IMAP APPEND and COPY to the directory quota with NO [OVERQUOTA]; MOVE still works', async () => {
      await ok(p, ['user', 'add', at('eve'), '--password', PASSWORD, '--quota-messages', '2']);
      const imap = await RawLineClient.open(p.ports.imap);
      let n = 0;
      const command = async (line: string) => {
        const tag = `q${++n}`;
        imap.sendLine(`${tag} ${line}`);
        return imap.line(new RegExp(`^${tag} `));
      };
      const append = async (subject: string) => {
        const raw = `From: eve@${DOMAIN}\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
        const tag = `q${++n}`;
        imap.sendLine(`${tag} APPEND INBOX {${raw.length}}`);
        const next = await imap.line(new RegExp(`^(\\+|${tag} )`));
        if (!next.startsWith('+')) return next;
        imap.send(`${raw}\r\n`);
        return imap.line(new RegExp(`^${tag} `));
      };
      try {
        await imap.line(/^\* OK/);
        assert.match(await command('STARTTLS'), /OK/);
        await imap.startTls();
        assert.match(await command(`LOGIN ${at('eve')} "${PASSWORD}"`), /OK/);
        assert.match(await append('one'), /^q\d+ OK \[APPENDUID/);
        assert.match(await append('two'), /^q\d+ OK \[APPENDUID/);
        // refused before the literal: the client never uploads a message that cannot fit
        assert.match(await append('three'), /^q\d+ NO \[OVERQUOTA\]/);
        assert.match(await command('CREATE Kept'), /OK/);
        assert.match(await command('SELECT INBOX'), /OK/);
        assert.match(await command('COPY 1 Kept'), /^q\d+ NO \[OVERQUOTA\]/);
        // a MOVE adds nothing to the account
        assert.match(await command('MOVE 1 Kept'), /^q\d+ OK/);
        assert.match(await command('STATUS Kept (MESSAGES)'), /OK/);

        // the raised limit reaches access through the directory's change event
        await ok(p, ['user', 'quota', at('eve'), '--messages', '3']);
        assert.match(await eventually(async () => {
          const r = await command('COPY 1 Kept');
          assert.match(r, /^q\d+ OK/);
          return r;
        }), /COPYUID/);
        assert.match(await append('four'), /^q\d+ NO \[OVERQUOTA\]/);
        // a non-synchronizing literal (LITERAL+) arrives whole; the store refuses it at the end
        const raw = 'Subject: pushed\r\n\r\nbody\r\n';
        imap.send(`qp APPEND INBOX {${raw.length}+}\r\n${raw}\r\n`);
        assert.match(await imap.line(/^qp /), /^qp NO \[OVERQUOTA\]/);
        await ok(p, ['user', 'quota', at('eve'), '--messages', 'none', '--bytes', '1']);
        assert.match(await eventually(async () => {
          const r = await append('five');
          assert.match(r, /^q\d+ NO \[OVERQUOTA\]/);
          return r;
        }), /OVERQUOTA/);
      } finally {
        imap.close();
      }
    });

    it('answers a full mailbox with 552 5.2.2 when its domain rejects', async () => {
      assert.match(await ok(p, ['domain', 'set', DOMAIN, '--over-quota', 'reject']), /over quota:\s+reject \(552 5\.2\.2\)/);
      await ok(p, ['user', 'quota', at('dan'), '--messages', '2']);
      const msg = sampleMessage({ from: 'someone@remote.test', to: at('dan'), subject: 'refused for good' });
      await eventually(() =>
        assert.rejects(
          mx(p).sendMail({ envelope: { from: 'someone@remote.test', to: [at('dan')] }, raw: msg.raw }),
          (err: SmtpFailure) => err.responseCode === 552 && /^552 5\.2\.2 <dan@routing\.test>: mailbox full/.test(err.response ?? ''),
        ),
      );
    });
  });
}
