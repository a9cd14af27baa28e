import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RawSmtpClient } from './raw-smtp-client.js';
import { startSmtpInForTest } from './smtp-in-test-harness.js';

/** Every reply but the greeting and the EHLO/HELO answer carries an enhanced status code (RFC 2034). */
const ENHANCED = /^\d{3}[ -][245]\.\d{1,3}\.\d{1,3} /;

describe('MX extensions over real sockets', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpInForTest>>;
  before(async () => (smtp = await startSmtpInForTest({ postmaster: 'postmaster@example.com' })));
  after(() => smtp.close());
  beforeEach(() => (smtp.enqueued.length = 0));

  const connect = async (port = smtp.ports.mx) => {
    const { client, greeting } = await RawSmtpClient.connect(port);
    return { client, greeting, ehlo: await client.cmd('EHLO client.example') };
  };

  it('greets with ESMTP once and advertises the extensions of a complete MX', async () => {
    const { client, greeting, ehlo } = await connect();
    assert.equal(greeting, '220 mx.test ESMTP ready');
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', 'CHUNKING', 'STARTTLS', 'SIZE 65536']) assert.match(ehlo, new RegExp(`\\n250[ -]${ext}(\\r|$)`, 'm'));
    assert.doesNotMatch(ehlo, /AUTH/);
    client.close();
  });

  it('refuses an early talker (data before the greeting) and hangs up', async () => {
    const socket = net.connect(smtp.ports.mx, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('EHLO spammer.example\r\nMAIL FROM:<x@y.example>\r\n');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    await new Promise((r) => socket.once('close', r));
    assert.match(text, /^421 /);
    assert.doesNotMatch(text, /^250/m);
  });

  it('accepts RCPT TO:<postmaster> without a domain, for the configured postmaster', async () => {
    const { client } = await connect();
    await client.cmd('MAIL FROM:<someone@remote.example>');
    assert.match(await client.cmd('RCPT TO:<PostMaster>'), /^250/);
    assert.match(await client.cmd('DATA'), /^354/);
    assert.match(await client.cmd('Subject: hi\r\n\r\nhello\r\n.'), /^250 2\.0\.0/);
    assert.deepEqual(smtp.enqueued[0].recipients, ['postmaster@example.com']);
    client.close();
  });

  it('takes UTF-8 addresses with SMTPUTF8 only, and carries the flag with the message', async () => {
    const { client, ehlo } = await connect();
    assert.match(ehlo, /250[ -]SMTPUTF8/);
    assert.match(await client.cmd('MAIL FROM:<δοκιμή@παράδειγμα.example>'), /^553 5\.6\.7 /);
    assert.match(await client.cmd('MAIL FROM:<δοκιμή@παράδειγμα.example> SMTPUTF8'), /^250/);
    assert.match(await client.cmd('RCPT TO:<dörte@example.com>'), /^250/);
    assert.match(await client.cmd('DATA'), /^354/);
    assert.match(await client.cmd('From: δοκιμή@παράδειγμα.example\r\nSubject: Grüße\r\n\r\nhallo\r\n.'), /^250 2\.0\.0/);
    const e = smtp.enqueued[0];
    assert.equal(e.mailFrom, 'δοκιμή@παράδειγμα.example');
    assert.deepEqual(e.recipients, ['dörte@example.com']);
    assert.equal(e.envelope?.smtpUtf8, true);
    // a byte that is not UTF-8 is refused even with SMTPUTF8
    client.write(Buffer.concat([Buffer.from('MAIL FROM:<a'), Buffer.from([0xff, 0xfe]), Buffer.from('@x.example> SMTPUTF8\r\n')]));
    assert.match(await client.read(), /^(553|501) /);
    client.close();
  });

  it('offers REQUIRETLS only over TLS and carries it with the message', async () => {
    const { client, ehlo } = await connect();
    assert.doesNotMatch(ehlo, /REQUIRETLS/);
    assert.match(await client.cmd('MAIL FROM:<a@remote.example> REQUIRETLS'), /^530 /);
    const { client: secure, reply } = await client.startTls();
    assert.match(reply, /^220 /);
    assert.match(await secure.cmd('EHLO client.example'), /250[ -]REQUIRETLS/);
    assert.match(await secure.cmd('MAIL FROM:<a@remote.example> REQUIRETLS'), /^250/);
    assert.match(await secure.cmd('RCPT TO:<bob@example.com>'), /^250/);
    assert.match(await secure.cmd('DATA'), /^354/);
    assert.match(await secure.cmd('Subject: secret\r\n\r\nhello\r\n.'), /^250 2\.0\.0/);
    assert.equal(smtp.enqueued[0].envelope?.requireTls, true);
    secure.close();
  });

  it('puts an enhanced status code on every reply after the greeting and EHLO', async () => {
    const { client } = await connect();
    const replies = [];
    for (const line of ['NOOP', 'RSET', 'VRFY bob', 'FOO', 'RCPT TO:<bob@example.com>', 'DATA', 'MAIL FROM:<not an address>', 'MAIL FROM:<a@remote.example>', 'MAIL FROM:<b@remote.example>', 'RCPT TO:<bob@other.example>', 'RCPT TO:<bob@example.com> NOTIFY=SOMETIMES', 'BDAT 0', 'AUTH PLAIN', 'HELP']) {
      replies.push([line, await client.cmd(line)]);
    }
    replies.push(['QUIT', await client.cmd('QUIT')]);
    for (const [line, reply] of replies) for (const l of reply.split('\n')) assert.match(l, ENHANCED, `${line} -> ${reply}`);
  });

  it('advertises AUTH on submission only once TLS is up, and wants it before MAIL', async () => {
    const { client, ehlo } = await connect(smtp.ports.submission);
    assert.doesNotMatch(ehlo, /AUTH/);
    assert.match(await client.cmd('MAIL FROM:<alice@example.com>'), /^530 5\.7\.0 /);
    const { client: secure } = await client.startTls();
    assert.match(await secure.cmd('EHLO client.example'), /250[ -]AUTH PLAIN LOGIN/);
    assert.match(await secure.cmd('MAIL FROM:<alice@example.com>'), /^530 5\.7\.0 /);
    secure.close();
  });
});
