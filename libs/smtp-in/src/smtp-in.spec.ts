import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { InProcessBus } from '@mail/bus';
import { FsBlobStore } from '@mail/blob';
import { loadOrCreateTls } from '@mail/config';
import { CheckSender, ContractError, ConnectorSnapshot, EnqueueMessage, ResolveRecipient, VerifyLogin, type RequestOf } from '@mail/contracts';
import { RawSmtpClient } from './raw-smtp-client.js';
import type { SmtpInConfig } from './smtp-in.config.js';
import { SmtpInService } from './smtp-in.service.js';

const ALICE = { accountId: randomUUID(), address: 'alice@example.com' };
const PASSWORD = 'correct horse battery';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

describe('smtp-in over real sockets', () => {
  let dir: string;
  let bus: InProcessBus;
  let service: SmtpInService;
  let ports: { mx: number; submission: number; submissions?: number };
  let enqueued: Array<RequestOf<typeof EnqueueMessage>>;
  let enqueueFails = false;
  const blobsDir = () => join(dir, 'blobs');
  const blobFiles = async () => (await listFiles(blobsDir())).filter((f) => !f.includes('.tmp-'));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-in-'));
    const tls = await loadOrCreateTls({ dataDir: dir, hostname: 'mx.test' });
    bus = new InProcessBus({ service: 'smtp-in-test' });
    await bus.handle(VerifyLogin, async (p) =>
      p.username === ALICE.address && p.password === PASSWORD ? { ok: true as const, ...ALICE } : { ok: false as const, reason: 'invalid' as const },
    );
    await bus.handle(ConnectorSnapshot, async () => ({ connectors: [], version: 'empty' }));
    await bus.handle(ResolveRecipient, async ({ address }) => {
      const domain = address.split('@')[1]?.toLowerCase();
      if (domain !== 'example.com') return { kind: 'remote' as const };
      if (/^(alice|bob)[+@]/.test(address)) return { kind: 'local' as const, deliverTo: [ALICE], forwardTo: [] };
      return { kind: 'unknown' as const };
    });
    await bus.handle(CheckSender, async (p) => ({ allowed: p.accountId === ALICE.accountId && ['alice@example.com', 'sales@example.com'].includes(p.address.toLowerCase()) }));
    await bus.handle(EnqueueMessage, async (p) => {
      if (enqueueFails) throw new ContractError('UNAVAILABLE', 'queue down');
      enqueued.push(p);
      return { queueId: randomUUID() };
    });
    const config: SmtpInConfig = {
      host: '127.0.0.1',
      mxPort: 0,
      submissionPort: 0,
      submissionsPort: 0,
      hostname: 'mx.test',
      tls,
      allowPlaintextAuth: false,
      maxMessageSize: 64 * 1024,
      maxRecipients: 3,
      maxConnections: 50,
      closeTimeoutMs: 200,
      inboundAuth: { resolver: async () => Promise.reject(Object.assign(new Error('no network'), { code: 'ECONNREFUSED' })), timeoutMs: 200 },
    };
    service = new SmtpInService(config, bus, new FsBlobStore(blobsDir()));
    ports = await service.start();
  });

  after(async () => {
    await service.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    enqueued = [];
    enqueueFails = false;
  });

  const mx = () => nodemailer.createTransport({ host: '127.0.0.1', port: ports.mx, secure: false, tls: { rejectUnauthorized: false } });
  const submission = (auth: { user: string; pass: string }, method?: string) =>
    nodemailer.createTransport({ host: '127.0.0.1', port: ports.submission, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth, authMethod: method });

  const raw = (from: string, extra = '') =>
    `From: ${from}\r\nTo: alice@example.com\r\nSubject: =?UTF-8?Q?h=C3=A9llo?= world\r\nMessage-ID: <m1@sender.test>\r\n${extra}\r\n` +
    `Héllo in 8 bits\r\n.a line that starts with a dot\r\n..two dots\r\n\r\nend\r\n`;

  it('advertises the ESMTP extensions on MX, without AUTH', async () => {
    const { client, greeting } = await RawSmtpClient.connect(ports.mx);
    assert.match(greeting, /^220 mx\.test/);
    const ehlo = await client.cmd('EHLO client.test');
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'SIZE 65536', 'ENHANCEDSTATUSCODES', 'STARTTLS']) assert.match(ehlo, new RegExp(`250[ -]${ext}`));
    assert.doesNotMatch(ehlo, /AUTH/);
    client.close();
  });

  it('queues an MX message byte-exact behind its trace headers', async () => {
    const message = raw('sender@remote.test');
    const info = await mx().sendMail({ envelope: { from: 'sender@remote.test', to: ['alice@example.com'] }, raw: message });
    assert.match(info.response, /^250 2\.0\.0 OK queued as [0-9a-f-]{36}$/);
    assert.equal(enqueued.length, 1);
    const e = enqueued[0];
    assert.equal(e.mailFrom, 'sender@remote.test');
    assert.deepEqual(e.recipients, ['alice@example.com']);
    assert.equal(e.messageId, '<m1@sender.test>');
    assert.equal(e.subject, 'héllo world');
    assert.equal(e.source.protocol, 'smtp');
    assert.equal(e.source.heloName !== undefined, true);
    const stored = await readFile(join(blobsDir(), e.blobKey));
    assert.equal(e.size, stored.length);
    const text = stored.toString('utf8');
    assert.ok(text.endsWith(message), 'the message follows our headers unchanged');
    const prefix = text.slice(0, text.length - message.length);
    assert.match(prefix, /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mx\.test with ESMTPS id \S+\r\n\tfor <alice@example\.com>;\r\n\t\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n/);
    assert.match(prefix, /\r\nAuthentication-Results: mx\.test;\r\n dkim=none .*;\r\n spf=temperror .*smtp\.mailfrom=sender@remote\.test.*;\r\n dmarc=temperror header\.from=remote\.test\r\n$/);
  });

  it('removes Authentication-Results claiming our name, on MX and on submission, and keeps the others', async () => {
    const forged = 'Authentication-Results: MX.TEST; dmarc=pass header.from=bank.test\r\nAuthentication-Results: other.test; spf=pass\r\n';
    await mx().sendMail({ envelope: { from: 'sender@remote.test', to: ['alice@example.com'] }, raw: raw('sender@remote.test', forged) });
    await submission({ user: ALICE.address, pass: PASSWORD }).sendMail({ envelope: { from: ALICE.address, to: ['bob@example.com'] }, raw: raw(ALICE.address, forged) });
    assert.equal(enqueued.length, 2);
    for (const e of enqueued) {
      const stored = (await readFile(join(blobsDir(), e.blobKey))).toString('utf8');
      assert.doesNotMatch(stored, /dmarc=pass header\.from=bank\.test/);
      assert.match(stored, /\r\nAuthentication-Results: other\.test; spf=pass\r\n/);
      assert.equal(e.size, Buffer.byteLength(stored));
    }
    // ours is the only one claiming mx.test, and only on MX
    const [fromMx, fromSubmission] = await Promise.all(enqueued.map((e) => readFile(join(blobsDir(), e.blobKey), 'utf8')));
    assert.equal(fromMx.match(/Authentication-Results: mx\.test;/gi)?.length, 1);
    assert.equal(fromSubmission.match(/Authentication-Results: mx\.test;/gi), null);
  });

  it('accepts the DSN parameters of RFC 3461, carries them to the queue and refuses malformed ones', async () => {
    const { client } = await RawSmtpClient.connect(ports.mx);
    await client.cmd('EHLO client.test');
    assert.match(await client.cmd('MAIL FROM:<sender@remote.test> ENVID=QQ+2B314159 RET=FULL'), /^250/);
    assert.match(await client.cmd('RCPT TO:<alice@example.com> NOTIFY=NEVER ORCPT=rfc822;a+C3+A9@x'), /^501 5\.5\.4 ORCPT/);
    assert.match(await client.cmd('RCPT TO:<alice@example.com> NOTIFY=SUCCESS,SUCCESS'), /^501 5\.5\.4 NOTIFY repeats/);
    assert.match(await client.cmd('RCPT TO:<alice@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Alice+2Bdsn@Example.COM'), /^250/);
    assert.match(await client.cmd('RCPT TO:<bob@example.com>'), /^250/);
    assert.match(await client.cmd('DATA'), /^354/);
    assert.match(await client.cmd(`${raw('sender@remote.test')}.`), /^250 2\.0\.0/);
    assert.match(await client.cmd('MAIL FROM:<sender@remote.test> ENVID=a+C3+A9b'), /^501 5\.5\.4 ENVID/);
    assert.match(await client.cmd(`MAIL FROM:<sender@remote.test> ENVID=${'x'.repeat(101)}`), /^501 5\.5\.4 ENVID/);
    client.close();
    assert.deepEqual(enqueued[0].envelope, {
      ret: 'FULL',
      envid: 'QQ+314159',
      recipients: { 'alice@example.com': { notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;Alice+dsn@Example.COM' } },
    });
  });

  it('answers a pipelined MAIL, RCPT and DATA in one write, in order, and still upgrades after a pipelined STARTTLS', async () => {
    const { client } = await RawSmtpClient.connect(ports.mx);
    await client.cmd('EHLO client.test');
    // the server's writes to this client's socket, as the kernel sees them (a corked socket flushes with one _writev)
    const writes: string[] = [];
    const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (this: net.Socket, ...a: unknown[]) => void>;
    const original = { _write: proto._write, _writev: proto._writev };
    const ours = (s: net.Socket) => s.remotePort === client.socket.localPort;
    proto._write = function (...a) {
      if (ours(this)) writes.push('write');
      return original._write.apply(this, a);
    };
    proto._writev = function (...a) {
      if (ours(this)) writes.push('writev');
      return original._writev.apply(this, a);
    };
    try {
      client.write('MAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n');
      assert.match(await client.read(), /^250/);
      assert.match(await client.read(), /^250/);
      assert.match(await client.read(), /^354/);
    } finally {
      Object.assign(proto, original);
    }
    assert.deepEqual(writes, ['writev'], 'one write for the three replies');
    client.write('Subject: pipelined\r\n\r\nbody\r\n.\r\n');
    assert.match(await client.read(), /^250 2\.0\.0 OK queued/);
    client.write('RSET\r\nSTARTTLS\r\n');
    assert.match(await client.read(), /^250/);
    assert.match(await client.read(), /^220/);
    const secure = tls.connect({ socket: client.socket, rejectUnauthorized: false, servername: 'mx.test' });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    secure.write('EHLO client.test\r\n');
    const reply = await new Promise<string>((resolve) => secure.once('data', (d: Buffer) => resolve(d.toString())));
    assert.match(reply, /^250[ -]/);
    secure.destroy();
  });

  it('refuses unknown local recipients and relaying on MX', async () => {
    const { client } = await RawSmtpClient.connect(ports.mx);
    await client.cmd('EHLO client.test');
    assert.match(await client.cmd('MAIL FROM:<x@remote.test>'), /^250/);
    assert.equal(await client.cmd('RCPT TO:<nobody@example.com>'), '550 5.1.1 <nobody@example.com>: recipient not found');
    assert.equal(await client.cmd('RCPT TO:<someone@elsewhere.test>'), '554 5.7.1 relay access denied');
    assert.match(await client.cmd('RCPT TO:<bob@example.com>'), /^250/);
    assert.match(await client.cmd('QUIT'), /^221/);
    client.close();
  });

  it('limits recipients and sizes', async () => {
    const { client } = await RawSmtpClient.connect(ports.mx);
    await client.cmd('EHLO client.test');
    assert.match(await client.cmd('MAIL FROM:<x@remote.test> SIZE=999999999'), /^552 5\.3\.4/);
    assert.match(await client.cmd('MAIL FROM:<x@remote.test> SIZE=100'), /^250/);
    for (const r of ['alice', 'bob', 'alice+1', 'bob']) assert.match(await client.cmd(`RCPT TO:<${r}@example.com>`), /^250/);
    // a repeated address replaces its entry; a fourth distinct one is over the limit
    assert.equal(await client.cmd('RCPT TO:<alice+x@example.com>'), '452 4.5.3 too many recipients');
    client.close();

    const before = (await blobFiles()).length;
    const big = `Subject: big\r\n\r\n${'x'.repeat(1000)}\r\n`.repeat(80);
    await assert.rejects(mx().sendMail({ envelope: { from: 'x@remote.test', to: ['alice@example.com'] }, raw: big }), (err: Error & { response?: string }) => /^552 5\.3\.4/.test(err.response ?? ''));
    assert.equal(enqueued.length, 0);
    assert.equal((await blobFiles()).length, before, 'the partial blob is gone');
  });

  it('answers 451 and keeps no blob when the queue is unavailable', async () => {
    enqueueFails = true;
    const before = (await blobFiles()).length;
    await assert.rejects(
      mx().sendMail({ envelope: { from: 'x@remote.test', to: ['alice@example.com'] }, raw: raw('x@remote.test') }),
      (err: Error & { response?: string }) => err.response === '451 4.3.0 temporary failure, try again later',
    );
    assert.equal((await blobFiles()).length, before);
  });

  it('accepts submission with AUTH PLAIN and LOGIN after STARTTLS, relaying for the user', async () => {
    for (const method of ['PLAIN', 'LOGIN']) {
      const info = await submission({ user: ALICE.address, pass: PASSWORD }, method).sendMail({
        envelope: { from: 'sales@example.com', to: ['friend@elsewhere.test'] },
        raw: raw('Sales <sales@example.com>'),
      });
      assert.match(info.response, /^250 2\.0\.0 OK queued as/);
    }
    assert.equal(enqueued.length, 2);
    assert.equal(enqueued[0].source.protocol, 'submission');
    assert.equal(enqueued[0].source.authenticatedAs, ALICE.address);
    const stored = await readFile(join(blobsDir(), enqueued[0].blobKey), 'utf8');
    assert.match(stored, /^Received: from [\s\S]* with ESMTPSA id /);
    assert.doesNotMatch(stored, /Authentication-Results/);
  });

  it('refuses AUTH before STARTTLS and wrong passwords', async () => {
    const { client } = await RawSmtpClient.connect(ports.submission);
    await client.cmd('EHLO client.test');
    const plain = Buffer.from(`\0${ALICE.address}\0${PASSWORD}`).toString('base64');
    assert.doesNotMatch(await client.cmd(`AUTH PLAIN ${plain}`), /^235/);
    assert.match(await client.cmd('MAIL FROM:<alice@example.com>'), /^530/);
    client.close();
    await assert.rejects(
      submission({ user: ALICE.address, pass: 'wrong password' }).sendMail({ envelope: { from: ALICE.address, to: ['bob@example.com'] }, raw: raw(ALICE.address) }),
      (err: Error & { responseCode?: number }) => err.responseCode === 535,
    );
  });

  it('refuses senders the user does not own, in the envelope and in the header', async () => {
    const t = submission({ user: ALICE.address, pass: PASSWORD });
    await assert.rejects(
      t.sendMail({ envelope: { from: 'ceo@example.com', to: ['bob@example.com'] }, raw: raw(ALICE.address) }),
      (err: Error & { response?: string }) => err.response === '553 5.7.1 sender not owned by the authenticated user',
    );
    const before = (await blobFiles()).length;
    await assert.rejects(
      t.sendMail({ envelope: { from: ALICE.address, to: ['bob@example.com'] }, raw: raw('The CEO <ceo@example.com>') }),
      (err: Error & { response?: string }) => /^550 5\.7\.1/.test(err.response ?? ''),
    );
    assert.equal((await blobFiles()).length, before);
    assert.equal(enqueued.length, 0);
  });

  it('takes implicit TLS submission', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ports.submissions, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ALICE.address, pass: PASSWORD } });
    const info = await t.sendMail({ envelope: { from: ALICE.address, to: ['bob@example.com'] }, raw: raw(ALICE.address) });
    assert.match(info.response, /^250 /);
  });

  it('survives pipelined garbage and keeps serving', async () => {
    const { client } = await RawSmtpClient.connect(ports.mx);
    client.write(
      Buffer.concat([
        Buffer.from('EHLO x\r\nMAIL FROM:<<<>>>\r\nRCPT TO:\r\nDATA\r\n\x00\x01\x02\xff\xfe\r\n'),
        Buffer.from('A'.repeat(100_000) + '\r\n'),
        Buffer.from('MAIL FROM:<a@b.c> SIZE=abc\r\nRCPT TO:<alice@example.com> NOTIFY=\r\nBDAT 10\r\n'),
      ]),
    );
    // read whatever comes back until the server closes or stops talking
    const first = await client.read();
    assert.match(first, /^250/);
    client.close();
    const info = await mx().sendMail({ envelope: { from: 'x@remote.test', to: ['alice@example.com'] }, raw: raw('x@remote.test') });
    assert.match(info.response, /^250 /);
  });
});
