import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { mailctl, RawLineClient, startEmbeddedForTest, type PlatformUnderTest } from '@mail/testing';

const DOMAIN = 'hygiene.test';
const ALICE = `alice@${DOMAIN}`;
const PASSWORD = 'correct horse battery';

/** one SMTP reply, multi-line replies folded to their last line */
const reply = (c: RawLineClient) => c.line(/^\d{3} /);

describe('input hygiene (issue 11) against the embedded platform', { timeout: 120_000 }, () => {
  let p: PlatformUnderTest;

  before(async () => {
    p = await startEmbeddedForTest({ env: { ALLOW_PLAINTEXT_AUTH: 'true' } });
    for (const args of [['domain', 'add', DOMAIN], ['user', 'add', ALICE, '--password', PASSWORD]]) {
      const r = await mailctl(p, args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => p?.close());

  it('delivers a message with NUL in its Subject (raw bytes kept) and shows it over IMAP', async () => {
    const c = await RawLineClient.open(p.ports.smtp);
    try {
      assert.match(await reply(c), /^220 /);
      c.send('EHLO client.remote.test\r\n');
      assert.match(await reply(c), /^250 /);
      c.send('MAIL FROM:<someone@remote.test>\r\n');
      assert.match(await reply(c), /^250 /);
      c.send(`RCPT TO:<${ALICE}>\r\n`);
      assert.match(await reply(c), /^250 /);
      c.send('DATA\r\n');
      assert.match(await reply(c), /^354 /);
      c.send(
        'From: someone@remote.test\r\n' +
          `To: ${ALICE}\r\n` +
          'Subject: nul\0inside\r\n' +
          'Message-ID: <nul-subject@remote.test>\r\n' +
          '\r\n' +
          'body with a \0 too\r\n.\r\n',
      );
      const answer = await reply(c);
      // a definitive answer: delivered (the index cleans U+0000, the blob keeps the bytes)
      assert.match(answer, /^250 /, answer);
      c.send('QUIT\r\n');
    } finally {
      c.close();
    }

    const imap = new ImapFlow({ host: '127.0.0.1', port: p.ports.imap, secure: false, tls: { rejectUnauthorized: false }, auth: { user: ALICE, pass: PASSWORD }, logger: false });
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const found = await imap.search({ subject: 'inside' });
        assert.ok(Array.isArray(found) && found.length === 1, `SEARCH SUBJECT finds it: ${JSON.stringify(found)}`);
        const msg = await imap.fetchOne(String(found[0]), { envelope: true, source: true });
        assert.ok(msg && msg.envelope && msg.source);
        assert.match(msg.envelope.subject ?? '', /nul.inside/);
        assert.ok(msg.source.includes(Buffer.from('Subject: nul\0inside')), 'the raw message keeps its bytes');
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
  });

  it('answers an IMAP LOGIN whose user name holds NUL with a tagged NO or BAD, and stays usable', async () => {
    const c = await RawLineClient.open(p.ports.imap);
    try {
      assert.match(await c.line(/^\* /), /^\* OK/);
      c.send(`a LOGIN "ali\0ce@${DOMAIN}" "${PASSWORD}"\r\n`);
      assert.match(await c.line(/^(a |\* BYE)/), /^a (NO|BAD) /);
      c.send(`b LOGIN ${ALICE} "${PASSWORD}"\r\n`);
      assert.match(await c.line(/^b /), /^b OK /);
    } finally {
      c.close();
    }
  });

  it('answers a POP3 USER holding NUL with -ERR, and stays usable', async () => {
    const c = await RawLineClient.open(p.ports.pop3);
    try {
      assert.match(await c.line(/^[+-]/), /^\+OK/);
      c.send(`USER ali\0ce@${DOMAIN}\r\n`);
      let verdict = await c.line(/^[+-]/);
      // USER may be accepted (RFC 1939 lets a server defer the verdict to PASS); PASS must then fail
      if (verdict.startsWith('+OK')) {
        c.send(`PASS ${PASSWORD}\r\n`);
        verdict = await c.line(/^[+-]/);
      }
      assert.match(verdict, /^-ERR /);
      c.send(`USER ${ALICE}\r\n`);
      assert.match(await c.line(/^[+-]/), /^\+OK/);
      c.send(`PASS ${PASSWORD}\r\n`);
      assert.match(await c.line(/^[+-]/), /^\+OK/);
    } finally {
      c.close();
    }
  });

  it('refuses invalid UTF-8 in MAIL FROM without SMTPUTF8', async () => {
    const c = await RawLineClient.open(p.ports.smtp);
    try {
      assert.match(await reply(c), /^220 /);
      c.send('EHLO client.remote.test\r\n');
      assert.match(await reply(c), /^250 /);
      c.send('MAIL FROM:<b\xffd\xc3@remote.test>\r\n');
      assert.match(await reply(c), /^(553 5\.6\.7|501|553) /);
      // and the session goes on
      c.send('MAIL FROM:<someone@remote.test>\r\n');
      assert.match(await reply(c), /^250 /);
    } finally {
      c.close();
    }
  });
});
