import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { MemoryLeaseStore } from '@mail/bus';
import { NetworkList } from '@mail/limits';
import { createLogger } from '@mail/telemetry';
import { Pop3Server, type Pop3ServerOptions } from './pop3-server.js';
import { FakePop3Backend, MemoryBlobStore } from './pop3-fakes.spec-helper.js';
import { Pop3TestClient } from './pop3-test-client.spec-helper.js';
import { silentAfterStartTls, stubbornClient } from '../hostile-client.spec-helper.js';
import { once } from 'node:events';

const logger = createLogger('pop3-test', 'silent');
const alice = { address: 'alice@example.com', password: 'secret pw', accountId: '11111111-1111-4111-8111-111111111111' };
const bob = { address: 'bob@example.com', password: 'hunter22', accountId: '22222222-2222-4222-8222-222222222222' };

const M1 = 'Subject: one\r\nFrom: a@example.com\r\n\r\nHello\r\n.hidden\r\n..two\r\nbye\r\n';
const M1_STUFFED = 'Subject: one\r\nFrom: a@example.com\r\n\r\nHello\r\n..hidden\r\n...two\r\nbye\r\n';
const M2 = 'Subject: two\n\n.\nline\nno final newline';
const M2_STUFFED = 'Subject: two\r\n\r\n..\r\nline\r\nno final newline\r\n';
const M3 = '';

let tlsMaterial: { key: string; cert: string };
before(async () => {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 } as never);
  tlsMaterial = { key: pems.private, cert: pems.cert };
});

/** renewals fail on demand, as when another replica took over an expired lease */
class LosableLeaseStore extends MemoryLeaseStore {
  lost = false;
  renewals = 0;
  override async renew(key: string, holder: string, ttlMs: number): Promise<boolean> {
    this.renewals++;
    return this.lost ? false : super.renew(key, holder, ttlMs);
  }
}

async function setup(opts: Partial<Pop3ServerOptions> & { chunkSize?: number } = {}) {
  const blobs = new MemoryBlobStore(opts.chunkSize);
  const backend = new FakePop3Backend(blobs);
  const leases = new LosableLeaseStore();
  backend.addAccount(alice);
  backend.addAccount(bob);
  await backend.addMessage(alice.accountId, M1);
  await backend.addMessage(alice.accountId, M2);
  await backend.addMessage(alice.accountId, M3);
  const server = new Pop3Server(
    { host: '127.0.0.1', port: 0, allowPlaintextAuth: true, logger, authFailureDelayMs: 1, ...opts },
    backend,
    blobs,
    leases,
  );
  await server.start();
  const clients: Pop3TestClient[] = [];
  const connect = async (o: { tls?: boolean } = {}) => {
    const c = await Pop3TestClient.connect(o.tls ? server.ports.tlsPort! : server.ports.port, o);
    clients.push(c);
    return c;
  };
  const login = async (account = alice) => {
    const c = await connect();
    assert.match(await c.readLine(), /^\+OK /);
    assert.match(await c.command(`USER ${account.address}`), /^\+OK/);
    assert.match(await c.command(`PASS ${account.password}`), /^\+OK/);
    return c;
  };
  const stop = async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  };
  /** the server notices a dropped client asynchronously; wait until it has let go of it */
  const idle = async () => {
    while (server.connectionCount > 0) await tick();
  };
  return { server, backend, blobs, leases, connect, login, stop, idle };
}

describe('Pop3Server', () => {
  it('greets, lists capabilities and logs in with USER/PASS', async () => {
    const t = await setup();
    try {
      const c = await t.connect();
      assert.match(await c.readLine(), /^\+OK /);
      const capa = await c.multi('CAPA');
      assert.deepEqual(capa.lines.slice(0, -1), ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'USER', 'SASL PLAIN']);
      assert.match(capa.lines.at(-1)!, /^IMPLEMENTATION /);
      assert.match(await c.command('STAT'), /^-ERR/);
      assert.match(await c.command('PASS x'), /^-ERR/);
      assert.match(await c.command('USER alice@example.com'), /^\+OK/);
      assert.equal(await c.command('PASS wrong'), '-ERR [AUTH] invalid credentials');
      assert.match(await c.command('USER alice@example.com'), /^\+OK/);
      assert.equal(await c.command('PASS secret pw'), `+OK maildrop has 3 messages (${M1.length + M2.length} octets)`);
      assert.equal(t.backend.logins.at(-1)?.remoteAddress?.endsWith('127.0.0.1'), true);
      assert.match(await c.command('USER x'), /^-ERR/);
      const capa2 = await c.multi('CAPA');
      assert.ok(!capa2.lines.includes('USER'));
      assert.match(await c.command('NOOP'), /^\+OK/);
      assert.equal(await c.command('QUIT'), '+OK bye (3 messages left)');
      await c.closed();
    } finally {
      await t.stop();
    }
  });

  it('answers STAT, LIST, UIDL, TOP and RETR byte-exact with dot-stuffing', async () => {
    const t = await setup();
    try {
      const c = await t.login();
      assert.equal(await c.command('STAT'), `+OK 3 ${M1.length + M2.length}`);
      const list = await c.multi('LIST');
      assert.deepEqual(list.lines, [`1 ${M1.length}`, `2 ${M2.length}`, '3 0']);
      assert.equal(await c.command('LIST 2'), `+OK 2 ${M2.length}`);
      assert.equal(await c.command('LIST 4'), '-ERR no such message');
      assert.deepEqual((await c.multi('UIDL')).lines, ['1 7.3', '2 7.6', '3 7.9']);
      assert.equal(await c.command('UIDL 3'), '+OK 3 7.9');

      let r = await c.multi('RETR 1');
      assert.equal(r.status, `+OK ${M1.length} octets`);
      assert.equal(r.body.toString('latin1'), M1_STUFFED);
      r = await c.multi('RETR 2');
      assert.equal(r.body.toString('latin1'), M2_STUFFED);
      r = await c.multi('RETR 3');
      assert.equal(r.body.length, 0);

      r = await c.multi('TOP 1 0');
      assert.equal(r.body.toString('latin1'), 'Subject: one\r\nFrom: a@example.com\r\n\r\n');
      r = await c.multi('TOP 1 2');
      assert.equal(r.body.toString('latin1'), 'Subject: one\r\nFrom: a@example.com\r\n\r\nHello\r\n..hidden\r\n');
      r = await c.multi('TOP 2 1');
      assert.equal(r.body.toString('latin1'), 'Subject: two\r\n\r\n..\r\n');
      r = await c.multi('TOP 1 1000');
      assert.equal(r.body.toString('latin1'), M1_STUFFED);
      assert.equal(await c.command('RETR 9'), '-ERR no such message');
      assert.equal(await c.command('TOP 9 1'), '-ERR no such message');
    } finally {
      await t.stop();
    }
  });

  it('deletes marked messages at QUIT only, and RSET undoes marks', async () => {
    const t = await setup();
    try {
      let c = await t.login();
      assert.equal(await c.command('DELE 1'), '+OK message 1 deleted');
      assert.equal(await c.command('DELE 1'), '-ERR message 1 already deleted');
      assert.equal(await c.command('RETR 1'), '-ERR message 1 already deleted');
      assert.equal(await c.command('STAT'), `+OK 2 ${M2.length}`);
      assert.equal(await c.command('RSET'), `+OK maildrop has 3 messages (${M1.length + M2.length} octets)`);
      assert.equal(await c.command('LIST 1'), `+OK 1 ${M1.length}`);
      assert.match(await c.command('DELE 1'), /^\+OK/);
      assert.match(await c.command('DELE 3'), /^\+OK/);
      assert.deepEqual((await c.multi('LIST')).lines, [`2 ${M2.length}`]);
      assert.deepEqual(t.backend.deletions, []);
      assert.equal(await c.command('QUIT'), '+OK bye (1 messages left)');
      await c.closed();
      assert.deepEqual(t.backend.deletions, [{ accountId: alice.accountId, mailboxId: `inbox-${alice.accountId}`, uids: [3, 9] }]);

      await t.idle();
      c = await t.login();
      assert.deepEqual((await c.multi('UIDL')).lines, ['1 7.6']);
    } finally {
      await t.stop();
    }
  });

  it('deletes nothing when the connection drops, and releases the maildrop', async () => {
    const t = await setup();
    try {
      const c = await t.login();
      assert.match(await c.command('DELE 1'), /^\+OK/);
      assert.match(await c.command('DELE 2'), /^\+OK/);
      c.destroy();
      await t.idle();
      assert.deepEqual(t.backend.deletions, []);
      const again = await t.login();
      assert.equal(await again.command('STAT'), `+OK 3 ${M1.length + M2.length}`);
    } finally {
      await t.stop();
    }
  });

  it('locks the maildrop: a second session gets [IN-USE]', async () => {
    const t = await setup();
    try {
      const first = await t.login();
      const second = await t.connect();
      await second.readLine();
      await second.command('USER alice@example.com');
      assert.equal(await second.command('PASS secret pw'), '-ERR [IN-USE] maildrop already locked');
      const b = await t.login(bob);
      assert.equal(await b.command('STAT'), '+OK 0 0');
      const auth = Buffer.from(`\0${alice.address}\0${alice.password}`).toString('base64');
      assert.equal(await second.command(`AUTH PLAIN ${auth}`), '-ERR [IN-USE] maildrop already locked');
      assert.match(await first.command('QUIT'), /^\+OK/);
      await first.closed();
      assert.match(await second.command(`AUTH PLAIN ${auth}`), /^\+OK maildrop has 3 messages/);
    } finally {
      await t.stop();
    }
  });

  it('supports AUTH PLAIN with an initial response, a continuation, and cancellation', async () => {
    const t = await setup();
    try {
      const c = await t.connect();
      await c.readLine();
      assert.deepEqual((await c.multi('AUTH')).lines, ['PLAIN']);
      assert.match(await c.command('AUTH CRAM-MD5'), /^-ERR/);
      assert.equal(await c.command('AUTH PLAIN'), '+ ');
      assert.equal(await c.command('*'), '-ERR [AUTH] authentication cancelled');
      assert.equal(await c.command('AUTH PLAIN'), '+ ');
      assert.equal(await c.command('not base64!'), '-ERR [AUTH] invalid base64 in SASL response');
      assert.equal(await c.command('AUTH PLAIN'), '+ ');
      assert.equal(await c.command(Buffer.from('\0alice@example.com\0nope').toString('base64')), '-ERR [AUTH] invalid credentials');
      assert.equal(await c.command(`AUTH PLAIN ${Buffer.from('bob@example.com\0alice@example.com\0secret pw').toString('base64')}`), '-ERR [AUTH] authorization identity not allowed');
      assert.equal(await c.command(`AUTH PLAIN ${Buffer.from('no nul').toString('base64')}`), '-ERR [AUTH] malformed PLAIN credentials');
      assert.equal(await c.command('AUTH PLAIN'), '+ ');
      assert.match(await c.command(Buffer.from('alice@example.com\0alice@example.com\0secret pw').toString('base64')), /^\+OK maildrop has 3/);
      assert.match(await c.command('AUTH PLAIN'), /^-ERR/);

      const d = await t.connect();
      await d.readLine();
      assert.match(await d.command(`AUTH PLAIN ${Buffer.from('\0bob@example.com\0hunter22').toString('base64')}`), /^\+OK maildrop has 0/);
    } finally {
      await t.stop();
    }
  });

  it('drops a client that sends STLS and then nothing, at the handshake deadline', async () => {
    const t = await setup({ tls: tlsMaterial, tlsHandshakeTimeoutMs: 200 });
    try {
      const socket = await silentAfterStartTls(t.server.ports.port, /^\+OK/m, 'STLS', /^\+OK begin TLS/m);
      await once(socket, 'close');
      await t.idle();
    } finally {
      await t.stop();
    }
  });

  it('stops although a refused client keeps sending and never closes (slowloris)', async () => {
    const t = await setup({ limits: { maxConnections: 1, maxPerClient: 0 }, shutdownGraceMs: 500 });
    const held = await t.connect();
    assert.match(await held.readLine(), /^\+OK /);
    const stubborn = await stubbornClient(t.server.ports.port);
    try {
      // resolves only when every accepted socket is gone, the refused one included
      await t.stop();
    } finally {
      stubborn.stop();
    }
  });

  it('refuses plaintext login without TLS and upgrades with STLS', async () => {
    const t = await setup({ allowPlaintextAuth: false, tls: tlsMaterial, tlsPort: 0 });
    try {
      const c = await t.connect();
      await c.readLine();
      const capa = await c.multi('CAPA');
      assert.ok(capa.lines.includes('STLS'));
      assert.ok(!capa.lines.includes('USER') && !capa.lines.includes('SASL PLAIN'));
      assert.equal(await c.command('USER alice@example.com'), '-ERR [AUTH] plaintext authentication needs an encrypted connection; use STLS');
      assert.match(await c.command('PASS secret pw'), /^-ERR \[AUTH\]/);
      assert.match(await c.command('AUTH PLAIN'), /^-ERR \[AUTH\]/);
      // commands pipelined behind STLS were sent in the clear and must be ignored
      c.send('STLS\r\nUSER alice@example.com\r\n');
      assert.equal(await c.readLine(), '+OK begin TLS negotiation');
      await c.startTls();
      const capa2 = await c.multi('CAPA');
      assert.ok(capa2.lines.includes('USER') && capa2.lines.includes('SASL PLAIN'));
      assert.ok(!capa2.lines.includes('STLS'));
      assert.equal(await c.command('PASS secret pw'), '-ERR send USER first');
      assert.match(await c.command('STLS'), /^-ERR/);
      assert.match(await c.command('USER alice@example.com'), /^\+OK/);
      assert.match(await c.command('PASS secret pw'), /^\+OK maildrop has 3/);
      assert.equal((await c.multi('RETR 1')).body.toString('latin1'), M1_STUFFED);
      assert.match(await c.command('QUIT'), /^\+OK/);
      await c.closed();

      const s = await t.connect({ tls: true });
      assert.match(await s.readLine(), /^\+OK/);
      assert.ok(!(await s.multi('CAPA')).lines.includes('STLS'));
      assert.match(await s.command('USER bob@example.com'), /^\+OK/);
      assert.match(await s.command('PASS hunter22'), /^\+OK maildrop has 0/);
    } finally {
      await t.stop();
    }
  });

  it('keeps the session going through malformed input', async () => {
    const t = await setup();
    try {
      const c = await t.connect();
      await c.readLine();
      const junk: (string | Buffer)[] = [
        Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0d, 0x0a]),
        `${'A'.repeat(100_000)}\r\n`,
        'FOO\r\n',
        '\r\n',
        'USER a\rb\r\n',
        'RETR x\r\n',
        'USER\0 a\r\n',
        'APOP alice 0123456789abcdef\r\n',
      ];
      for (const j of junk) {
        c.send(j);
        assert.match(await c.readLine(), /^-ERR /, JSON.stringify(j.toString().slice(0, 20)));
      }
      // bare LF line ends are tolerated
      c.send('USER alice@example.com\nPASS secret pw\n');
      assert.match(await c.readLine(), /^\+OK/);
      assert.match(await c.readLine(), /^\+OK maildrop/);
      for (const j of ['RETR 0', 'RETR -1', 'TOP 1', 'DELE 99999999999999', 'LIST a', 'STAT 1']) assert.match(await c.command(j), /^-ERR/);
      assert.match(await c.command('noop'), /^\+OK/);
    } finally {
      await t.stop();
    }
  });

  it('drops a client that sends only garbage, and stays healthy', async () => {
    const t = await setup();
    try {
      const c = await t.connect();
      await c.readLine();
      const garbage = Buffer.alloc(64 * 1024);
      for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(Math.random() * 256);
      for (let i = 0; i < 100; i++) c.send(`XX${i}\r\n`);
      c.send(garbage);
      const rest = await c.closed();
      assert.match(rest, /-ERR too many errors, closing\r\n$/);
      const d = await t.login();
      assert.match(await d.command('STAT'), /^\+OK 3/);
    } finally {
      await t.stop();
    }
  });

  it('answers pipelined commands in order', async () => {
    const t = await setup();
    try {
      const c = await t.connect();
      await c.readLine();
      c.send('USER alice@example.com\r\nPASS secret pw\r\nSTAT\r\nRETR 2\r\nUIDL 1\r\nDELE 1\r\nLIST\r\nQUIT\r\n');
      assert.match(await c.readLine(), /^\+OK/);
      assert.match(await c.readLine(), /^\+OK maildrop/);
      assert.match(await c.readLine(), /^\+OK 3 /);
      assert.match(await c.readLine(), /^\+OK \d+ octets/);
      assert.equal((await c.readMultilineBody()).toString('latin1'), M2_STUFFED);
      assert.equal(await c.readLine(), '+OK 1 7.3');
      assert.match(await c.readLine(), /^\+OK message 1 deleted/);
      assert.match(await c.readLine(), /^\+OK 2 messages/);
      assert.equal((await c.readMultilineBody()).toString(), `2 ${M2.length}\r\n3 0\r\n`);
      assert.match(await c.readLine(), /^\+OK bye/);
      await c.closed();
      assert.deepEqual(t.backend.deletions.map((d) => d.uids), [[3]]);
    } finally {
      await t.stop();
    }
  });

  it('streams a large message with backpressure', async () => {
    const t = await setup({ chunkSize: 64 * 1024 });
    try {
      const line = '.starts with a dot and is fairly long so the message grows quickly......\n';
      const body = Buffer.from(`Subject: big\r\n\r\n${line.repeat(120_000)}`);
      await t.backend.addMessage(alice.accountId, body);
      const c = await t.login();
      const r = await c.multi('RETR 4');
      assert.equal(r.status, `+OK ${body.length} octets`);
      const expected = `Subject: big\r\n\r\n${`.${line.replace('\n', '\r\n')}`.repeat(120_000)}`;
      assert.equal(r.body.length, Buffer.byteLength(expected));
      assert.ok(r.body.equals(Buffer.from(expected)));
      const top = await c.multi('TOP 4 2');
      assert.equal(top.body.toString(), `Subject: big\r\n\r\n${`.${line.replace('\n', '\r\n')}`.repeat(2)}`);
      assert.match(await c.command('NOOP'), /^\+OK/);
    } finally {
      await t.stop();
    }
  });

  it('drops clients after too many failed logins', async () => {
    const t = await setup({ maxAuthFailures: 2 });
    try {
      const c = await t.connect();
      await c.readLine();
      await c.command('USER alice@example.com');
      assert.equal(await c.command('PASS bad'), '-ERR [AUTH] invalid credentials');
      await c.command('USER alice@example.com');
      assert.equal(await c.command('PASS bad'), '-ERR [AUTH] too many authentication failures');
      await c.closed();
    } finally {
      await t.stop();
    }
  });

  it('stops gracefully: sessions are told, nothing is deleted, the lock is released', async () => {
    const t = await setup();
    const c = await t.login();
    assert.match(await c.command('DELE 1'), /^\+OK/);
    await t.server.stop();
    assert.equal(await c.readLine(), '-ERR [SYS/TEMP] server shutting down');
    await c.closed();
    assert.deepEqual(t.backend.deletions, []);
    assert.equal(await t.leases.acquire(`pop3:maildrop:${alice.accountId}`, 'someone-else', 1000), true);
  });

  it('renews the maildrop lock while the session lives and drops the session when it is lost', async () => {
    const t = await setup({ leaseTtlMs: 90 });
    try {
      const c = await t.login();
      assert.match(await c.command('DELE 1'), /^\+OK/);
      while (t.leases.renewals < 3) await new Promise((r) => setTimeout(r, 10));
      assert.match(await c.command('STAT'), /^\+OK 2/);
      t.leases.lost = true;
      await c.closed();
      await t.idle();
      assert.deepEqual(t.backend.deletions, []);
    } finally {
      await t.stop();
    }
  });

  it('logs out a silent session with -ERR and closes it (RFC 1939 autologout)', async () => {
    const t = await setup({ idleTimeoutMs: 300 });
    try {
      const c = await t.login();
      assert.match(await c.readLine(), /^-ERR autologout/);
      await c.closed();
      // the maildrop lock went with it: the next login gets in
      const again = await t.login();
      assert.match(await again.command('STAT'), /^\+OK 3 /);
    } finally {
      await t.stop();
    }
  });

  it('refuses connections beyond maxConnections', async () => {
    const t = await setup({ limits: { maxConnections: 1, maxPerClient: 0 } });
    try {
      const a = await t.connect();
      assert.match(await a.readLine(), /^\+OK/);
      const b = await t.connect();
      assert.equal(await b.readLine(), '-ERR [SYS/TEMP] too many connections');
      await b.closed();
      assert.match(await a.command('CAPA'), /^\+OK/);
    } finally {
      await t.stop();
    }
  });

  it('refuses a client past its per-client limit and drops a trickler at the login deadline (issue 11)', async () => {
    const t = await setup({ limits: { maxConnections: 100, maxPerClient: 2, exempt: new NetworkList('') }, preAuthDeadlineMs: 300 });
    try {
      const a = await t.connect();
      assert.match(await a.readLine(), /^\+OK/);
      const b = await t.login();
      const c = await t.connect();
      assert.equal(await c.readLine(), '-ERR [SYS/TEMP] too many connections from your address');
      await c.closed();
      const trickle = setInterval(() => a.send('N'), 20);
      await a.closed();
      clearInterval(trickle);
      // the logged-in session outlives the deadline
      await new Promise((r) => setTimeout(r, 350));
      assert.match(await b.command('STAT'), /^\+OK 3 /);
    } finally {
      await t.stop();
    }
  });
});
