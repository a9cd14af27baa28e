import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { OutboundSmtp } from './outbound-smtp.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { smtpUtf8Refusal, transferMessage } from './smtp-transfer.js';

interface Got {
  from: string;
  mailDsn?: unknown;
  rcpt: Array<{ address: string; dsn?: unknown }>;
  smtpUtf8: boolean;
  body: string;
}

/** A next hop on loopback (smtp-server) that records the envelope parameters it was given and counts connections. */
async function nextHop(opts: { dsn: boolean; smtpUtf8: boolean }) {
  const got: Got[] = [];
  let connections = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideDSN: !opts.dsn,
    hideSMTPUTF8: !opts.smtpUtf8,
    disableReverseLookup: true,
    onConnect: (_s, cb) => {
      connections++;
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const env = session.envelope as typeof session.envelope & { dsn?: unknown };
        const args = env.mailFrom ? env.mailFrom.args : false;
        got.push({
          from: env.mailFrom ? env.mailFrom.address : '',
          mailDsn: env.dsn,
          rcpt: env.rcptTo.map((r) => ({ address: r.address, dsn: (r as SMTPServerAddress & { dsn?: unknown }).dsn })),
          smtpUtf8: typeof args === 'object' && !!args.SMTPUTF8,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const outbound = new OutboundSmtp({
    hostname: 'out.test',
    port,
    // the MX is an address literal: no DNS question is asked in this spec
    resolveMx: async () => [{ exchange: '127.0.0.1', priority: 10 }],
    resolve: async () => {
      throw new Error('no DNS in this spec');
    },
  });
  return {
    got,
    connections: () => connections,
    outbound,
    close: async () => {
      outbound.closeIdle();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const body = (text = 'Subject: hi\r\n\r\nhello\r\n') => async () => Readable.from([Buffer.from(text)]);

describe('outbound transfer to the next hop', () => {
  let withAll: Awaited<ReturnType<typeof nextHop>>;
  let bare: Awaited<ReturnType<typeof nextHop>>;
  before(async () => {
    withAll = await nextHop({ dsn: true, smtpUtf8: true });
    bare = await nextHop({ dsn: false, smtpUtf8: false });
  });
  after(async () => {
    await withAll.close();
    await bare.close();
  });

  it('passes RET, ENVID and each recipient’s own NOTIFY and ORCPT to a next hop that offers DSN', async () => {
    const params = {
      ret: 'HDRS' as const,
      envid: 'QQ314159',
      recipients: { 'a@dest.test': { notify: ['SUCCESS' as const, 'FAILURE' as const], orcpt: 'rfc822;a+orig@dest.test' }, 'b@dest.test': { notify: ['NEVER' as const] } },
    };
    const out = await withAll.outbound.send('dest.test', 's@src.test', ['a@dest.test', 'b@dest.test', 'c@dest.test'], body(), 30, { params });
    assert.deepEqual(
      out.map((o) => [o.address, o.result, o.dsnPassedOn]),
      [
        ['a@dest.test', 'sent', true],
        ['b@dest.test', 'sent', true],
        ['c@dest.test', 'sent', true],
      ],
    );
    const g = withAll.got.at(-1)!;
    assert.deepEqual(g.mailDsn, { ret: 'HDRS', envid: 'QQ314159' });
    assert.deepEqual(g.rcpt, [
      { address: 'a@dest.test', dsn: { notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;a+orig@dest.test' } },
      { address: 'b@dest.test', dsn: { notify: ['NEVER'] } },
      { address: 'c@dest.test', dsn: undefined },
    ]);
  });

  it('sends no DSN parameter to a next hop without DSN, and says so (the relayed report stays ours)', async () => {
    const out = await bare.outbound.send('dest.test', 's@src.test', ['a@dest.test'], body(), 30, { params: { ret: 'FULL', recipients: { 'a@dest.test': { notify: ['SUCCESS'] } } } });
    assert.deepEqual(out.map((o) => [o.result, o.dsnPassedOn]), [['sent', undefined]]);
    assert.equal(bare.got.at(-1)!.mailDsn, undefined);
  });

  it('bounces with 5.6.7 what needs SMTPUTF8 when the next hop lacks it, without sending anything', async () => {
    const before = bare.got.length;
    const utf8Rcpt = await bare.outbound.send('dest.test', 's@src.test', ['jörg@dest.test'], body(), 30, { params: { smtpUtf8: true } });
    assert.equal(utf8Rcpt[0].result, 'permanent');
    assert.match(utf8Rcpt[0].detail, /^5\.6\.7 .*SMTPUTF8.*UTF-8 addresses/);
    const utf8Headers = await bare.outbound.send('dest.test', 's@src.test', ['a@dest.test'], body('Subject: grüße\r\n\r\nx\r\n'), 30, { params: { smtpUtf8: true }, utf8Headers: true });
    assert.match(utf8Headers[0].detail, /^5\.6\.7 .*UTF-8 header fields/);
    assert.equal(bare.got.length, before, 'nothing reached the next hop');
    // declared SMTPUTF8 but all ASCII: goes as it is
    const ascii = await bare.outbound.send('dest.test', 's@src.test', ['a@dest.test'], body(), 30, { params: { smtpUtf8: true } });
    assert.equal(ascii[0].result, 'sent');
  });

  it('sends UTF-8 addresses under SMTPUTF8 to a next hop that offers it', async () => {
    const out = await withAll.outbound.send('dest.test', 'jörg@src.test', ['zoë@dest.test'], body('Subject: grüße\r\n\r\nx\r\n'), 30, { params: { smtpUtf8: true }, utf8Headers: true });
    assert.equal(out[0].result, 'sent');
    const g = withAll.got.at(-1)!;
    assert.deepEqual([g.from, g.rcpt[0].address, g.smtpUtf8], ['jörg@src.test', 'zoë@dest.test', true]);
  });

  it('reuses one connection for several messages to one MX', async () => {
    const hop = await nextHop({ dsn: true, smtpUtf8: true });
    try {
      for (let i = 0; i < 3; i++) {
        const out = await hop.outbound.send('dest.test', 's@src.test', [`r${i}@dest.test`], body(`Subject: m${i}\r\n\r\nx\r\n`), 30);
        assert.equal(out[0].result, 'sent');
      }
      // and two at once: the second cannot wait for the first's connection, so it opens its own
      await Promise.all([0, 1].map((i) => hop.outbound.send('dest.test', 's@src.test', [`p${i}@dest.test`], body(), 30)));
      assert.equal(hop.got.length, 5);
      assert.equal(hop.connections(), 2);
      assert.ok(hop.outbound.pool.size <= 2);
    } finally {
      await hop.close();
    }
  });
});

describe('smtpUtf8Refusal', () => {
  const none = new Set<string>();
  it('refuses only what needs the extension', () => {
    assert.equal(smtpUtf8Refusal(new Set(['SMTPUTF8']), 'ü@x.test', ['ü@y.test'], { utf8Headers: true }), null);
    assert.equal(smtpUtf8Refusal(none, 'a@x.test', ['b@y.test'], {}), null);
    assert.match(smtpUtf8Refusal(none, 'a@x.test', ['b@ÿ.test'], {}) ?? '', /^5\.6\.7/);
    assert.match(smtpUtf8Refusal(none, 'ä@x.test', ['b@y.test'], {}) ?? '', /addresses/);
    assert.match(smtpUtf8Refusal(none, '', ['b@y.test'], { utf8Headers: true }) ?? '', /header fields/);
  });
});

describe('REQUIRETLS (RFC 8689) to the next hop', () => {
  /** a STARTTLS next hop (self-signed: the transfer itself does not judge the certificate) that records MAIL FROM's parameters */
  async function tlsHop(offerRequireTls: boolean) {
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: 'mx.dest.test' }], { keySize: 2048 } as never);
    const mailArgs: Array<Record<string, unknown>> = [];
    const server = new SMTPServer({
      logger: false,
      key: pems.private,
      cert: pems.cert,
      disabledCommands: ['AUTH'],
      hideREQUIRETLS: !offerRequireTls,
      disableReverseLookup: true,
      onMailFrom(address, _session, cb) {
        mailArgs.push(typeof address.args === 'object' ? { ...address.args } : {});
        cb();
      },
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => cb());
      },
    } as ConstructorParameters<typeof SMTPServer>[0]);
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as AddressInfo).port;
    const connect = async (tls: boolean) => {
      const c = new SMTPConnection({ host: '127.0.0.1', port, secure: false, ...(tls ? { opportunisticTLS: true } : { ignoreTLS: true }), tls: { rejectUnauthorized: false }, logger: false } as SMTPConnection.Options);
      await new Promise<void>((resolve, reject) => c.connect((err) => (err ? reject(err) : resolve())));
      return c;
    };
    return { mailArgs, connect, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  const params = { requireTls: true };

  it('goes with REQUIRETLS on MAIL FROM over TLS to a next hop that offers it', async () => {
    const hop = await tlsHop(true);
    const c = await hop.connect(true);
    try {
      const out = await transferMessage(c, 's@src.test', ['a@dest.test'], body(), 30, { params });
      assert.deepEqual(out.map((o) => o.result), ['sent']);
      assert.equal(hop.mailArgs.at(-1)?.REQUIRETLS, true);
    } finally {
      c.close();
      await hop.close();
    }
  });

  it('bounces with 5.7.30, sending nothing, when the next hop does not offer REQUIRETLS or TLS', async () => {
    const hop = await tlsHop(false);
    const secure = await hop.connect(true);
    const plain = await hop.connect(false);
    try {
      for (const c of [secure, plain]) {
        const out = await transferMessage(c, 's@src.test', ['a@dest.test', 'b@dest.test'], body(), 30, { params });
        assert.deepEqual(out.map((o) => o.result), ['permanent', 'permanent']);
        assert.match(out[0].detail, /^5\.7\.30 REQUIRETLS support required/);
      }
      assert.equal(hop.mailArgs.length, 0, 'no MAIL FROM was sent');
      // without REQUIRETLS the same hop takes the message
      assert.deepEqual((await transferMessage(secure, 's@src.test', ['a@dest.test'], body(), 30)).map((o) => o.result), ['sent']);
    } finally {
      secure.close();
      plain.close();
      await hop.close();
    }
  });

  it('bounces with 5.7.30 before connecting when the domain has no MTA-STS policy to authenticate its MX by', async () => {
    const hop = await nextHop({ dsn: true, smtpUtf8: true });
    try {
      const out = await hop.outbound.send('dest.test', 's@src.test', ['a@dest.test'], body(), 30, { params });
      assert.equal(out[0].result, 'permanent');
      assert.match(out[0].detail, /^5\.7\.30 .*no MTA-STS policy/);
      assert.equal(hop.connections(), 0);
    } finally {
      await hop.close();
    }
  });
});
