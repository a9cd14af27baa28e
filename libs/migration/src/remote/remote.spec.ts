import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ContractError } from '@mail/contracts';
import { backoffMs } from '../fetch/fetch-runner.js';
import { Pop3Session } from './pop3-session.js';
import { remoteEndpoint } from './remote-endpoint.js';
import { RemoteError, classifyRemoteError } from './remote-error.js';

describe('remote endpoints', () => {
  it('refuses cleartext to a remote host unless insecure, and defaults ports by protocol and TLS', () => {
    assert.throws(() => remoteEndpoint({ protocol: 'imap', host: 'imap.example.com', tls: 'none' }), ContractError);
    assert.equal(remoteEndpoint({ protocol: 'imap', host: 'imap.example.com', tls: 'none', insecure: true }).port, 143);
    assert.equal(remoteEndpoint({ protocol: 'pop3', host: '127.0.0.1', tls: 'none' }).port, 110);
    assert.equal(remoteEndpoint({ protocol: 'pop3', host: 'pop.example.com', tls: 'implicit' }).port, 995);
    assert.equal(remoteEndpoint({ protocol: 'imap', host: 'imap.example.com', tls: 'starttls', port: 1143 }).port, 1143);
  });
});

describe('failures', () => {
  it('sorts errors into what an administrator acts on', () => {
    assert.equal(classifyRemoteError(Object.assign(new Error('Command failed'), { authenticationFailed: true })).kind, 'auth');
    assert.equal(classifyRemoteError(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).kind, 'tls');
    assert.equal(classifyRemoteError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).kind, 'connect');
    assert.equal(classifyRemoteError(Object.assign(new Error('x'), { code: 'GREETING_TIMEOUT' })).kind, 'timeout');
    assert.equal(classifyRemoteError(new Error('something odd')).kind, 'protocol');
    const e = new RemoteError('delivery', 'no');
    assert.equal(classifyRemoteError(e), e);
  });

  it('backs off by doubling the interval, capped at six hours (or the interval when longer)', () => {
    assert.equal(backoffMs(300, 0), 300_000);
    assert.equal(backoffMs(300, 3), 2_400_000);
    assert.equal(backoffMs(300, 50), 6 * 3600_000);
    assert.equal(backoffMs(86400, 2), 86_400_000);
  });
});

/** A POP3 server on loopback that plays `script` (what to send after each client line). */
async function fakeServer(greeting: string | Buffer, answer: (line: string, socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(greeting);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        answer(line, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const settings = { timeoutMs: 2000, maxMessageBytes: 10_000 };
const endpoint = (port: number) => remoteEndpoint({ protocol: 'pop3', host: '127.0.0.1', port, tls: 'none' });

/** A well-behaved start: CAPA, USER, PASS accepted; then `rest` answers. */
function polite(rest: (line: string, socket: Socket) => void) {
  return (line: string, socket: Socket) => {
    if (line === 'CAPA') socket.write('+OK\r\nUIDL\r\nUSER\r\n.\r\n');
    else if (line.startsWith('USER ')) socket.write('+OK\r\n');
    else if (line.startsWith('PASS ')) socket.write(line === 'PASS right' ? '+OK 1 messages\r\n' : '-ERR [AUTH] invalid login\r\n');
    else rest(line, socket);
  };
}

async function open(port: number, password = 'right') {
  return Pop3Session.open(endpoint(port), { username: 'u', password }, settings);
}

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('Pop3Session against a hostile or broken server (real sockets)', () => {
  it('reads UIDL and a dot-stuffed message, and deletes at QUIT', async () => {
    const { server, port } = await fakeServer('+OK ready\r\n', polite((line, s) => {
      if (line === 'UIDL') s.write('+OK\r\n1 abc\r\n2 def\r\n.\r\n');
      else if (line === 'RETR 1') s.write('+OK\r\nSubject: x\r\n\r\n..dot\r\n.\r\n');
      else if (line === 'DELE 1' || line === 'QUIT') s.write('+OK\r\n');
      else s.write('-ERR what\r\n');
    }));
    try {
      const pop = await open(port);
      assert.deepEqual(await pop.uidl(), [{ msg: 1, uid: 'abc' }, { msg: 2, uid: 'def' }]);
      assert.equal((await drain(await pop.retr(1))).toString(), 'Subject: x\r\n\r\n.dot\r\n');
      await pop.dele(1);
      await pop.quit();
    } finally {
      server.close();
    }
  });

  it('a refused password is an auth failure; [SYS/TEMP] and [IN-USE] are not', async () => {
    const { server, port } = await fakeServer('+OK\r\n', polite(() => undefined));
    try {
      await assert.rejects(open(port, 'wrong'), (e: RemoteError) => e.kind === 'auth');
    } finally {
      server.close();
    }
    const busy = await fakeServer('+OK\r\n', (line, s) => s.write(line.startsWith('PASS') ? '-ERR [IN-USE] maildrop locked\r\n' : line === 'CAPA' ? '-ERR\r\n' : '+OK\r\n'));
    try {
      await assert.rejects(open(busy.port), (e: RemoteError) => e.kind === 'protocol');
    } finally {
      busy.server.close();
    }
  });

  it('an endless greeting line is refused, not buffered', async () => {
    const { server, port } = await fakeServer(Buffer.alloc(64 * 1024, 0x41), () => undefined);
    try {
      await assert.rejects(open(port), (e: RemoteError) => e.kind === 'protocol' && /longer than/.test(e.message));
    } finally {
      server.close();
    }
  });

  it('a greeting that is not POP3 (an IMAP server on the port) is a protocol error', async () => {
    const { server, port } = await fakeServer('* OK IMAP4rev1 ready\r\n', () => undefined);
    try {
      await assert.rejects(open(port), (e: RemoteError) => e.kind === 'protocol');
    } finally {
      server.close();
    }
  });

  it('a message cut off before its terminating dot fails the stream: never taken for a whole one', async () => {
    const { server, port } = await fakeServer('+OK\r\n', polite((line, s) => {
      if (line === 'RETR 1') {
        s.write('+OK\r\nSubject: x\r\n\r\npart of the body\r\n');
        s.end();
      }
    }));
    try {
      const pop = await open(port);
      await assert.rejects(drain(await pop.retr(1)), (e: RemoteError) => e.kind === 'connect');
    } finally {
      server.close();
    }
  });

  it('a message larger than the limit fails instead of filling memory', async () => {
    const { server, port } = await fakeServer('+OK\r\n', polite((line, s) => {
      if (line === 'RETR 1') s.write(`+OK\r\n${'x'.repeat(20_000)}\r\n.\r\n`);
    }));
    try {
      const pop = await open(port);
      await assert.rejects(drain(await pop.retr(1)), /larger than 10000/);
    } finally {
      server.close();
    }
  });

  it('a malformed UIDL listing (an id given twice) is refused', async () => {
    const { server, port } = await fakeServer('+OK\r\n', polite((line, s) => {
      if (line === 'UIDL') s.write('+OK\r\n1 same\r\n2 same\r\n.\r\n');
    }));
    try {
      const pop = await open(port);
      await assert.rejects(pop.uidl(), /two messages/);
      pop.close();
    } finally {
      server.close();
    }
  });

  it('a server that goes silent times out', async () => {
    const { server, port } = await fakeServer('+OK\r\n', polite(() => undefined));
    try {
      const pop = await Pop3Session.open(endpoint(port), { username: 'u', password: 'right' }, { ...settings, timeoutMs: 300 });
      await assert.rejects(pop.stat(), (e: RemoteError) => e.kind === 'timeout');
    } finally {
      server.close();
    }
  });

  it('STLS is required when asked for: a server without it is a TLS failure, never a cleartext login', async () => {
    let sawPassword = false;
    const { server, port } = await fakeServer('+OK\r\n', (line, s) => {
      if (line.startsWith('PASS')) sawPassword = true;
      s.write(line === 'CAPA' ? '+OK\r\nUIDL\r\n.\r\n' : '+OK\r\n');
    });
    try {
      await assert.rejects(
        Pop3Session.open(remoteEndpoint({ protocol: 'pop3', host: '127.0.0.1', port, tls: 'starttls' }), { username: 'u', password: 'p' }, settings),
        (e: RemoteError) => e.kind === 'tls',
      );
      assert.equal(sawPassword, false);
    } finally {
      server.close();
    }
  });
});
