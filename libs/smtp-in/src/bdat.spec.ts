import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseBdat } from './bdat.js';
import { RawSmtpClient } from './raw-smtp-client.js';
import { startSmtpInForTest } from './smtp-in-test-harness.js';

describe('parseBdat', () => {
  it('reads size and LAST, and refuses anything else', () => {
    assert.deepEqual(parseBdat('BDAT 86 LAST'), { size: 86, last: true });
    assert.deepEqual(parseBdat('bdat 0 last'), { size: 0, last: true });
    assert.deepEqual(parseBdat('BDAT 1000'), { size: 1000, last: false });
    for (const bad of ['BDAT', 'BDAT -1', 'BDAT 1.5', 'BDAT 12 FIRST', 'BDAT 1 LAST x', 'BDAT 0x10', 'BDAT 1234567890123456', 'BDAT  LAST']) {
      assert.ok('error' in parseBdat(bad), bad);
    }
  });
});

describe('CHUNKING / BDAT (RFC 3030) over real sockets', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpInForTest>>;
  before(async () => (smtp = await startSmtpInForTest()));
  after(() => smtp.close());
  beforeEach(() => (smtp.enqueued.length = 0));

  const session = async () => {
    const { client } = await RawSmtpClient.connect(smtp.ports.mx);
    const ehlo = await client.cmd('EHLO ymir.claremont.edu');
    return { client, ehlo };
  };
  /** the stored message without our trace headers (Received, and nothing else: verification is off) */
  const body = async (i = 0) => {
    const text = (await smtp.stored(smtp.enqueued[i].blobKey)).toString('latin1');
    return text.slice(text.indexOf('\r\n', text.indexOf('+0000')) + 2);
  };

  it('advertises CHUNKING and takes the first example of RFC 3030 (one chunk, 86 octets)', async () => {
    const { client, ehlo } = await session();
    assert.match(ehlo, /\n250[ -]CHUNKING(\r|$)/m);
    assert.match(await client.cmd('MAIL FROM:<Sam@Random.com>'), /^250/);
    assert.match(await client.cmd('RCPT TO:<Susan@example.com>'), /^250/);
    const message = 'To: Susan@random.com\r\nFrom: Sam@random.com\r\nSubject: This is a bodyless test message\r\n';
    assert.equal(message.length, 86);
    client.write(`BDAT 86 LAST\r\n${message}`);
    assert.match(await client.read(), /^250 2\.0\.0 OK queued as /);
    assert.equal(await body(), message);
    client.close();
  });

  it('takes pipelined chunks in one write, byte for byte: no dot-stuffing, CRLF split across chunks, BDAT 0 LAST', async () => {
    const { client } = await session();
    const parts = ['Subject: chunked\r\n\r\nline one\r\n.\r\n..two dots kept\r', '\nBDAT 5 LAST looks like a command\r\n', '.\r\n'];
    client.write(
      'MAIL FROM:<Sam@Random.com> BODY=8BITMIME\r\nRCPT TO:<Susan@example.com>\r\n' +
        parts.map((p) => `BDAT ${Buffer.byteLength(p)}\r\n${p}`).join('') +
        'BDAT 0 LAST\r\n',
    );
    const replies = [await client.read(), await client.read(), ...(await Promise.all(parts.map(() => client.read()))), await client.read()];
    assert.deepEqual(replies.slice(0, 2).map((r) => r.slice(0, 3)), ['250', '250']);
    assert.deepEqual(replies.slice(2, 5), parts.map((p) => `250 2.0.0 ${Buffer.byteLength(p)} octets received`));
    assert.match(replies[5], /^250 2\.0\.0 OK queued/);
    assert.equal(await body(), parts.join(''));
    assert.equal(smtp.enqueued[0].envelope?.body, '8BITMIME');
    // the session goes on with a second, ordinary transaction
    assert.match(await client.cmd('MAIL FROM:<a@b.test>'), /^250/);
    client.close();
  });

  it('reads and discards the chunk of a refused BDAT, so its bytes are never taken for commands', async () => {
    const { client } = await session();
    client.write('BDAT 6 LAST\r\nQUIT\r\n');
    assert.match(await client.read(), /^503 5\.5\.1 need MAIL/);
    assert.match(await client.cmd('NOOP'), /^250/);
    assert.match(await client.cmd('MAIL FROM:<a@b.test>'), /^250/);
    client.write('BDAT 6\r\nRSET\r\n');
    assert.match(await client.read(), /^503 5\.5\.1 need RCPT/);
    assert.match(await client.cmd('NOOP'), /^250/);
    client.close();
    assert.equal(smtp.enqueued.length, 0);
  });

  it('refuses DATA after BDAT, abandons the message on RSET, and closes on a chunk size it cannot read', async () => {
    const { client } = await session();
    await client.cmd('MAIL FROM:<a@b.test>');
    await client.cmd('RCPT TO:<x@example.com>');
    client.write('BDAT 4\r\nabcd');
    assert.match(await client.read(), /^250 2\.0\.0 4 octets/);
    assert.match(await client.cmd('DATA'), /^503 5\.5\.1 DATA cannot follow BDAT/);
    assert.match(await client.cmd('RSET'), /^250/);
    assert.match(await client.cmd('MAIL FROM:<a@b.test>'), /^250/);
    assert.match(await client.cmd('RCPT TO:<x@example.com>'), /^250/);
    client.write('BDAT 3 LAST\r\nxyz');
    assert.match(await client.read(), /^250 2\.0\.0 OK queued/);
    assert.equal(smtp.enqueued.length, 1);
    assert.equal(await body(), 'xyz');
    assert.match(await client.cmd('BDAT many'), /^501 5\.5\.4/);
    assert.match(await client.read(), /^421 /);
    client.close();
  });

  it('refuses a message over the size limit at the last chunk, having read every chunk', async () => {
    const { client } = await session();
    await client.cmd('MAIL FROM:<a@b.test>');
    await client.cmd('RCPT TO:<x@example.com>');
    const chunk = 'x'.repeat(40 * 1024);
    client.write(`BDAT ${chunk.length}\r\n${chunk}`);
    assert.match(await client.read(), /^250 2\.0\.0/);
    client.write(`BDAT ${chunk.length} LAST\r\n${chunk}`);
    assert.match(await client.read(), /^552 5\.3\.4/);
    assert.match(await client.cmd('NOOP'), /^250/);
    client.close();
    assert.equal(smtp.enqueued.length, 0);
  });
});
