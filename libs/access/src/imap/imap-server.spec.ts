import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '@mail/blob';
import { decodeCarriedIndex } from '@mail/contracts';
import { indexMessageBuffer } from '@mail/mime';
import { createLogger } from '@mail/telemetry';
import { ImapFlow } from 'imapflow';
import { ImapServer, type ImapServerOptions } from './imap-server.js';
import { FakeAuth, FakeChangeFeed, FakeMailStore } from './imap-fakes.spec-helper.js';
import { RawImapClient } from './imap-test-client.spec-helper.js';
import { silentAfterStartTls, stubbornClient } from '../hostile-client.spec-helper.js';

const logger = createLogger('imap-test', 'silent');
const ALICE = { address: 'alice@example.com', password: 'correct horse', accountId: '11111111-1111-4111-8111-111111111111' };

const M1 = [
  'From: Bob Sender <bob@example.org>',
  'To: Alice <alice@example.com>',
  'Subject: Hello there',
  'Date: Mon, 7 Feb 1994 21:52:25 -0800',
  'Message-ID: <m1@example.org>',
  '',
  'Hi Alice,',
  'lunch tomorrow?',
  '',
].join('\r\n');

const M2 = [
  'From: Carol <carol@example.net>',
  'To: alice@example.com',
  'Subject: Report attached',
  'Message-ID: <m2@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="XX"',
  '',
  'preamble',
  '--XX',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'See the report.',
  '--XX',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAwQFBgcICQ==',
  '--XX--',
  '',
].join('\r\n');

let tls: { key: string; cert: string };
before(async () => {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 } as never);
  tls = { key: pems.private, cert: pems.cert };
});

interface Env {
  server: ImapServer;
  store: FakeMailStore;
  feed: FakeChangeFeed;
  auth: FakeAuth;
  port: number;
  tlsPort: number;
  uids: number[];
  client(opts?: Partial<ConstructorParameters<typeof ImapFlow>[0]>): Promise<ImapFlow>;
  raw(tls?: boolean): Promise<RawImapClient>;
  close(): Promise<void>;
}

async function setup(opts: Partial<ImapServerOptions> = {}): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'imap-test-'));
  const blobs = new FsBlobStore(dir);
  const feed = new FakeChangeFeed();
  const store = new FakeMailStore(blobs, feed);
  const auth = new FakeAuth();
  auth.add(ALICE.address, ALICE.password, ALICE.accountId);
  const uids = [
    await store.deliver(ALICE.accountId, M1, { flags: ['\\Seen'], internalDate: '2024-03-01T10:00:00.000Z' }),
    await store.deliver(ALICE.accountId, M2, { internalDate: '2024-03-02T10:00:00.000Z' }),
  ];
  const server = new ImapServer(
    { host: '127.0.0.1', port: 0, tlsPort: 0, tls, allowPlaintextAuth: true, logger, authFailureDelayMs: 1, shutdownGraceMs: 2000, ...opts },
    store,
    auth,
    feed,
    blobs,
  );
  await server.start();
  const clients: ImapFlow[] = [];
  const raws: RawImapClient[] = [];
  return {
    server,
    store,
    feed,
    auth,
    uids,
    port: server.ports.port,
    tlsPort: server.ports.tlsPort!,
    async client(o = {}) {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: server.ports.port,
        secure: false,
        auth: { user: ALICE.address, pass: ALICE.password },
        logger: false,
        tls: { rejectUnauthorized: false },
        ...o,
      } as ConstructorParameters<typeof ImapFlow>[0]);
      c.on('error', () => undefined);
      clients.push(c);
      await c.connect();
      return c;
    },
    async raw(secure = false) {
      const r = await RawImapClient.connect(secure ? server.ports.tlsPort! : server.ports.port, secure);
      raws.push(r);
      return r;
    },
    async close() {
      for (const c of clients) c.close();
      for (const r of raws) r.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('IMAP server with imapflow', () => {
  let env: Env;
  before(async () => (env = await setup()));
  after(async () => env.close());

  it('logs in, lists mailboxes with special-use flags and opens INBOX', async () => {
    const client = await env.client();
    assert.ok(client.capabilities.has('IDLE'));
    assert.ok(client.capabilities.has('UIDPLUS'));
    const list = await client.list();
    const names = list.map((m) => m.path).sort();
    assert.deepEqual(names, ['INBOX', 'Sent', 'Trash']);
    assert.equal(list.find((m) => m.path === 'Sent')?.specialUse, '\\Sent');
    const box = await client.mailboxOpen('INBOX');
    assert.equal(box.exists, 2);
    assert.equal(box.uidNext, 3);
    assert.ok(box.uidValidity > 0n);
    const status = await client.status('INBOX', { messages: true, unseen: true, uidNext: true });
    assert.ok(status);
    assert.equal(status.messages, 2);
    assert.equal(status.unseen, 1);
    await client.logout();
  });

  it('refuses wrong credentials with AUTHENTICATIONFAILED', async () => {
    await assert.rejects(env.client({ auth: { user: ALICE.address, pass: 'wrong' } }), (err: { authenticationFailed?: boolean }) => err.authenticationFailed === true);
    const raw = await env.raw();
    assert.match(await raw.command('a', 'LOGIN nobody@example.com nope'), /^a NO \[AUTHENTICATIONFAILED\]/m);
    raw.send(`b AUTHENTICATE PLAIN\r\n`);
    await raw.until(/^\+ ?\r\n/m);
    raw.send(Buffer.from(`\0${ALICE.address}\0${ALICE.password}`).toString('base64') + '\r\n');
    assert.match(await raw.until(/^b (OK|NO)[^\r]*\r\n/m), /^b OK \[CAPABILITY /m);
  });

  it('fetches flags, envelope, body structure and body sections', async () => {
    const client = await env.client();
    await client.mailboxOpen('INBOX');
    const m1 = await client.fetchOne('1', { uid: true, flags: true, envelope: true, size: true, internalDate: true, source: true });
    assert.ok(m1);
    assert.equal(m1.uid, env.uids[0]);
    assert.ok(m1.flags?.has('\\Seen'));
    assert.equal(m1.size, Buffer.byteLength(M1));
    assert.equal(m1.envelope?.subject, 'Hello there');
    assert.equal(m1.envelope?.from?.[0]?.address, 'bob@example.org');
    assert.equal(m1.envelope?.from?.[0]?.name, 'Bob Sender');
    assert.equal(m1.envelope?.messageId, '<m1@example.org>');
    assert.equal((m1.internalDate as Date).toISOString(), '2024-03-01T10:00:00.000Z');
    assert.equal(m1.source?.toString(), M1);

    const m2 = await client.fetchOne(String(env.uids[1]), { bodyStructure: true, headers: ['subject'], bodyParts: ['1', '2', '1.MIME', 'TEXT'] }, { uid: true });
    assert.ok(m2);
    const bs = m2.bodyStructure!;
    assert.equal(bs.type, 'multipart/mixed');
    assert.equal(bs.childNodes?.length, 2);
    assert.equal(bs.childNodes?.[0]?.type, 'text/plain');
    assert.equal(bs.childNodes?.[0]?.parameters?.charset, 'utf-8');
    assert.equal(bs.childNodes?.[1]?.encoding, 'base64');
    assert.equal(m2.headers?.toString(), 'Subject: Report attached\r\n\r\n');
    assert.equal(m2.bodyParts?.get('1')?.toString(), 'See the report.');
    assert.equal(m2.bodyParts?.get('2')?.toString(), 'AAECAwQFBgcICQ==');
    assert.equal(m2.bodyParts?.get('1.mime')?.toString(), 'Content-Type: text/plain; charset=utf-8\r\n\r\n');
    assert.ok(m2.bodyParts?.get('text')?.toString().startsWith('preamble\r\n--XX'));

    // BODY.PEEK left \Seen alone; a plain BODY[] sets it
    assert.deepEqual(env.store.flagsOf(ALICE.accountId, 'INBOX', env.uids[1]!), []);
    const dl = await client.download('2', '1');
    const chunks: Buffer[] = [];
    for await (const c of dl.content!) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'See the report.');
    await client.logout();
  });

  it('fetches the bodies of many messages in one command, each byte-exact and in order, small ones read ahead and a large one streamed', async () => {
    const accountId = randomUUID();
    const address = `many-${accountId.slice(0, 8)}@example.com`;
    env.auth.add(address, 'many-pass', accountId);
    const big = `Subject: big\r\n\r\n${'x'.repeat(200 * 1024)}\r\n`;
    const raws = Array.from({ length: 40 }, (_, i) => (i === 17 ? big : `Subject: m${i}\r\nMessage-ID: <m${i}@example.com>\r\n\r\nbody ${i} ${'y'.repeat(i * 100)}\r\n`));
    for (const raw of raws) await env.store.deliver(accountId, raw, {});
    const client = await env.client({ auth: { user: address, pass: 'many-pass' } });
    await client.mailboxOpen('INBOX');
    const seen: Array<[number, string]> = [];
    for await (const m of client.fetch('1:*', { source: true, headers: ['message-id'] })) seen.push([m.seq, m.source!.toString()]);
    assert.deepEqual(seen.map(([seq]) => seq), raws.map((_, i) => i + 1));
    seen.forEach(([, source], i) => assert.equal(source, raws[i], `message ${i + 1}`));
    await client.logout();
  });

  it('serves partial fetches and RFC822 items over a raw connection', async () => {
    const raw = await env.raw();
    await raw.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`);
    await raw.command('b', 'EXAMINE INBOX');
    const partial = await raw.command('c', 'FETCH 1 (BODY.PEEK[]<6.3> RFC822.HEADER BODY.PEEK[HEADER.FIELDS.NOT (To From Date Message-ID)])');
    assert.match(partial, /BODY\[\]<6> \{3\}\r\nBob /);
    assert.match(partial, /RFC822\.HEADER \{\d+\}\r\nFrom: Bob/);
    assert.match(partial, /BODY\[HEADER\.FIELDS\.NOT \(TO FROM DATE MESSAGE-ID\)\] \{24\}\r\nSubject: Hello there\r\n\r\n/);
    const body = await raw.command('d', 'FETCH 2 (BODY BODY[5] FLAGS)');
    assert.match(body, /BODY \(\("text" "plain" \("charset" "utf-8"\) NIL NIL "7bit" 15 1\)\("application" "octet-stream" NIL NIL NIL "base64" 16\) "mixed"\)/);
    assert.match(body, /BODY\[5\] ""/);
    // EXAMINE is read-only: no \Seen
    assert.doesNotMatch(body, /\\Seen/);
    assert.match(await raw.command('e', 'STORE 1 +FLAGS (\\Flagged)'), /^e NO \[READ-ONLY\]/m);
    const changed = await raw.command('f', 'FETCH 1:* (UID FLAGS) (CHANGEDSINCE 1)');
    assert.match(changed, /^\* 1 FETCH \(UID \d+ FLAGS \(\\Seen\) MODSEQ \(\d+\)\)/m);
  });

  it('searches with sequence numbers, UIDs, flags and headers', async () => {
    const client = await env.client();
    await client.mailboxOpen('INBOX');
    assert.deepEqual(await client.search({ from: 'carol' }), [2]);
    assert.deepEqual(await client.search({ seen: true }, { uid: true }), [env.uids[0]]);
    assert.deepEqual(await client.search({ or: [{ subject: 'hello' }, { subject: 'report' }] }), [1, 2]);
    assert.deepEqual(await client.search({ not: { seen: true }, larger: 10 }), [2]);
    assert.deepEqual(await client.search({ seq: '2:*' }), [2]);
    assert.deepEqual(await client.search({ body: 'lunch' }), [1]);
    assert.deepEqual(await client.search({ since: new Date('2024-03-02T00:00:00Z') }), [2]);
    await client.logout();
  });

  it('stores flags, copies, moves and expunges', async () => {
    const client = await env.client();
    await client.mailboxOpen('INBOX');
    assert.ok(await client.messageFlagsAdd('1', ['\\Flagged', '$Label1']));
    assert.deepEqual(env.store.flagsOf(ALICE.accountId, 'INBOX', env.uids[0]!)?.sort(), ['$Label1', '\\Flagged', '\\Seen']);
    const fetched = await client.fetchOne('1', { flags: true });
    assert.ok(fetched && fetched.flags?.has('$Label1'));
    await client.messageFlagsRemove('1', ['$Label1']);

    const copied = await client.messageCopy('1:2', 'Trash');
    assert.ok(copied);
    assert.equal(copied.uidMap?.size, 2);
    assert.ok(!(await client.messageCopy('1', 'Nowhere').catch(() => false)));

    await client.mailboxCreate('Archive/2024');
    const moved = await client.messageMove('1', 'Archive/2024');
    assert.ok(moved && moved.uidMap?.size === 1);
    assert.equal(client.mailbox && client.mailbox.exists, 1);
    assert.equal(env.store.uidsOf(ALICE.accountId, 'Archive/2024').length, 1);

    await client.mailboxOpen('Trash');
    assert.ok(await client.messageDelete('1'));
    assert.equal(client.mailbox && client.mailbox.exists, 1);
    assert.equal(env.store.uidsOf(ALICE.accountId, 'Trash').length, 1);
    await client.logout();
  });

  it('stores a message imapflow APPENDs with NUL bytes (as a literal8) with that part in base64; BINARY gives the bytes back', async () => {
    const client = await env.client();
    const payload = Buffer.from([0x00, 0x01, 0xff, 0x00, 0x0d, 0x0a]);
    const raw = Buffer.concat([Buffer.from('Subject: nul\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'), payload]);
    const res = await client.append('INBOX', raw);
    assert.ok(res && res.uid);
    await client.mailboxOpen('INBOX');
    const msg = await client.fetchOne(String(res.uid), { source: true, bodyStructure: true }, { uid: true });
    assert.ok(msg && msg.source);
    assert.equal(msg.source.indexOf(0), -1, 'BODY[] carries no NUL');
    assert.equal(msg.bodyStructure?.encoding, 'base64');
    const part = await client.download(String(res.uid), '1', { uid: true, binary: true });
    assert.ok(part.content);
    const chunks: Buffer[] = [];
    for await (const c of part.content) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), payload);
    await client.logout();
  });

  it('appends a message with flags and date and reports APPENDUID', async () => {
    const client = await env.client();
    const raw = 'From: me@example.com\r\nSubject: draft\r\n\r\n' + 'x'.repeat(200_000) + '\r\n';
    const res = await client.append('Sent', raw, ['\\Seen', '\\Draft'], new Date('2023-05-06T07:08:09Z'));
    assert.ok(res && res.uid);
    await client.mailboxOpen('Sent');
    const msg = await client.fetchOne(String(res.uid), { source: true, flags: true, internalDate: true }, { uid: true });
    assert.ok(msg);
    assert.equal(msg.source?.toString(), raw);
    assert.deepEqual([...(msg.flags ?? [])].sort(), ['\\Draft', '\\Seen']);
    assert.equal((msg.internalDate as Date).toISOString(), '2023-05-06T07:08:09.000Z');
    // indexed on the way in: the store gets the index of exactly these bytes and need not read them
    // back, unless the index is too large to carry (this one: 200 KB of text)
    assert.equal([...env.store.carried.values()].at(-1), undefined);
    const small = 'From: me@example.com\r\nSubject: small\r\n\r\nhello\r\n';
    await client.append('Sent', small);
    const carried = [...env.store.carried.values()].at(-1);
    assert.deepEqual(carried && decodeCarriedIndex(carried, small.length), indexMessageBuffer(Buffer.from(small)));
    await assert.rejects(client.append('Nowhere', 'Subject: x\r\n\r\nx\r\n'));
    await client.logout();
  });

  it('reports its own APPEND to the selected mailbox with one store request (the \\Recent claim of an IMAP4rev1 session)', async () => {
    // IMAP4rev2 is advertised and imapflow would enable it: this is about an IMAP4rev1 session
    const client = await env.client({ disableIMAP4rev2: true });
    await client.mailboxOpen('INBOX');
    const before = client.mailbox ? client.mailbox.exists : 0;
    const mark = env.store.calls.length;
    const first = await client.append('INBOX', 'Subject: own\r\n\r\nmine\r\n', ['\\Flagged']);
    assert.equal(client.mailbox && client.mailbox.exists, before + 1);
    // an IMAP4rev1 session claims the new message's \Recent in the store: one changes request
    assert.deepEqual(env.store.calls.slice(mark), ['append', 'changes']);
    const own = await client.fetchOne(String(first && first.uid), { flags: true }, { uid: true });
    assert.deepEqual(own ? [...(own.flags ?? [])] : [], ['\\Flagged']);

    // a delivery took the next modseq: the view cannot just add ours, it asks
    await env.store.deliver(ALICE.accountId, 'Subject: meanwhile\r\n\r\nx\r\n');
    const mark2 = env.store.calls.length;
    await client.append('INBOX', 'Subject: own 2\r\n\r\nmine\r\n');
    assert.ok(env.store.calls.slice(mark2).includes('changes'));
    assert.equal(client.mailbox && client.mailbox.exists, before + 3);
    const uids = (await client.search({ all: true }, { uid: true })) || [];
    assert.equal(uids.length, before + 3);
    await client.logout();
  });

  /** INBOX opened, IDLE started, one message delivered: the EXISTS heard and the store requests it took */
  async function idleArrival(client: ImapFlow, subject: string) {
    await client.mailboxOpen('INBOX');
    const before = client.mailbox ? client.mailbox.exists : 0;
    const exists = once(client, 'exists');
    const idling = client.idle();
    const mark = env.store.calls.length;
    await env.store.deliver(ALICE.accountId, `Subject: ${subject}\r\n\r\nnew mail\r\n`);
    const [ev] = (await exists) as [{ count: number }];
    assert.equal(ev.count, before + 1);
    return { ev, idling, calls: env.store.calls.slice(mark) };
  }

  it('an IMAP4rev2 session in IDLE hears an arrival with no \\Recent claim: one store request', async () => {
    const client = await env.client();
    assert.ok(client.enabled.has('IMAP4REV2'), 'imapflow enabled IMAP4rev2');
    const { idling, calls } = await idleArrival(client, 'rev2');
    assert.deepEqual(calls, ['append']);
    await client.logout();
    await idling.catch(() => undefined);
  });

  it('pushes EXISTS, EXPUNGE and flag changes to an IDLE client', async () => {
    const client = await env.client({ disableIMAP4rev2: true });
    const { ev, idling, calls } = await idleArrival(client, 'new');
    // an IMAP4rev1 session claims the arrival's \Recent: one changes request for it
    assert.deepEqual(calls, ['append', 'changes']);

    const other = await env.client();
    await other.mailboxOpen('INBOX');
    const flags = once(client, 'flags');
    await other.messageFlagsAdd(String(ev.count), ['\\Flagged']);
    const [fl] = (await flags) as [{ seq: number; flags: Set<string> }];
    assert.equal(fl.seq, ev.count);
    assert.ok(fl.flags.has('\\Flagged'));

    const expunge = once(client, 'expunge');
    await other.messageDelete(String(ev.count));
    const [ex] = (await expunge) as [{ seq: number }];
    assert.equal(ex.seq, ev.count);
    await other.logout();
    await client.logout();
    await idling.catch(() => undefined);
  });

  it('answers malformed commands with BAD and keeps the session', async () => {
    const raw = await env.raw();
    assert.match(await raw.command('a1', 'FROBNICATE'), /^a1 BAD /m);
    assert.match(await raw.command('a2', 'LOGIN'), /^a2 BAD /m);
    assert.match(await raw.command('a3', 'SELECT INBOX'), /^a3 BAD /m);
    raw.send('\x00\xff garbage without tag\r\n');
    assert.match(await raw.until(/^\* BAD [^\r]*\r\n/m), /BAD/);
    assert.match(await raw.command('a4', 'LOGIN "unterminated'), /^a4 BAD /m);
    raw.send('a5 LOGIN ' + 'x'.repeat(100_000) + '\r\n');
    assert.match(await raw.until(/^a5 BAD [^\r]*\r\n/m), /too long/);
    assert.match(await raw.command('a6', `LOGIN ${ALICE.address} {${ALICE.password.length}+}\r\n${ALICE.password}`), /^a6 OK/m);
    assert.match(await raw.command('a7', 'SELECT INBOX'), /^a7 OK \[READ-WRITE\]/m);
    assert.match(await raw.command('a8', 'FETCH 1:* (FLAGS BODY[HEADER.FIELDS])'), /^a8 BAD /m);
    assert.match(await raw.command('a9', 'STORE 1 +FLAGS (\\Recent)'), /^a9 BAD /m);
    assert.match(await raw.command('b1', 'SEARCH CHARSET KOI8-R ALL'), /^b1 NO \[BADCHARSET/m);
    assert.match(await raw.command('b2', 'UID FETCH 1:* FLAGS'), /^b2 OK/m);
    // pipelined commands are answered in order
    raw.send('p1 NOOP\r\np2 CHECK\r\np3 NOOP\r\n');
    assert.match(await raw.until(/^p3 OK[^\r]*\r\n/m), /p1 OK[\s\S]*p2 OK/);
    assert.match(await raw.command('z', 'LOGOUT'), /\* BYE/);
    await raw.closedByServer();
  });

  it('refuses an APPEND above the size limit before reading it', async () => {
    const small = await setup({ maxAppendSize: 1000 });
    try {
      const raw = await small.raw();
      await raw.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`);
      assert.match(await raw.command('b', 'APPEND INBOX {5000}'), /^b NO \[TOOBIG\]/m);
      raw.send('c APPEND INBOX {5000+}\r\n' + 'y'.repeat(5000) + '\r\n');
      assert.match(await raw.until(/^c NO[^\r]*\r\n/m), /TOOBIG/);
      assert.match(await raw.command('d', 'APPEND INBOX (\\Seen) {16+}\r\nSubject: ok\r\n\r\nx'), /^d OK \[APPENDUID \d+ 3\]/m);
    } finally {
      await small.close();
    }
  });
});

describe('IMAP server security', () => {
  it('offers STARTTLS and refuses plaintext login until it is done', async () => {
    const env = await setup({ allowPlaintextAuth: false });
    try {
      const raw = await env.raw();
      const caps = await raw.command('a', 'CAPABILITY');
      assert.match(caps, /STARTTLS/);
      assert.match(caps, /LOGINDISABLED/);
      assert.doesNotMatch(caps, /AUTH=PLAIN/);
      assert.match(await raw.command('b', `LOGIN ${ALICE.address} "${ALICE.password}"`), /^b NO \[PRIVACYREQUIRED\]/m);

      const client = await env.client({ doSTARTTLS: true });
      assert.ok(client.secureConnection);
      const box = await client.mailboxOpen('INBOX');
      assert.equal(box.exists, 2);
      await client.logout();

      const implicit = await env.client({ port: env.tlsPort, secure: true });
      assert.ok(implicit.secureConnection);
      await implicit.logout();
    } finally {
      await env.close();
    }
  });

  it('drops a client that sends STARTTLS and then nothing, at the handshake deadline', async () => {
    const env = await setup({ tlsHandshakeTimeoutMs: 200 });
    try {
      const socket = await silentAfterStartTls(env.port, /^\* OK/m, 'a STARTTLS', /^a OK/m);
      await once(socket, 'close');
      while (env.server.connectionCount > 0) await new Promise((r) => setImmediate(r));
    } finally {
      await env.close();
    }
  });

  it('stops although a refused client keeps sending and never closes (slowloris)', async () => {
    const env = await setup({ limits: { maxConnections: 1, maxPerClient: 0 } });
    const held = await env.raw();
    await held.command('a', 'NOOP');
    const stubborn = await stubbornClient(env.port);
    try {
      // resolves only when every accepted socket is gone, the refused one included
      await env.server.stop();
      assert.equal(env.server.connectionCount, 0);
    } finally {
      stubborn.stop();
      await env.close().catch(() => undefined);
    }
  });

  it('says BYE to connected sessions on stop', async () => {
    const env = await setup();
    const raw = await env.raw();
    await raw.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`);
    await env.server.stop();
    assert.match(await raw.until(/^\* BYE[^\r]*\r\n/m), /shutting down/);
    await raw.closedByServer();
    await env.close().catch(() => undefined);
  });
});
