import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { freePort, startEmbeddedForTest } from '@mail/testing';

type Platform = Awaited<ReturnType<typeof startEmbeddedForTest>>;

/** Reads from a plaintext socket until a line matching `done` arrived. */
function readUntil(socket: Socket, done: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (done.test(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed before ${done}: ${text}`)));
  });
}

/** Plain TCP connection, the protocol's own upgrade command, answered with a go-ahead: the socket to wrap. */
async function upgradeCommand(port: number, protocol: 'smtp' | 'imap' | 'pop3'): Promise<Socket> {
  const socket = tcpConnect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  if (protocol === 'smtp') {
    await readUntil(socket, /^220 .*\r\n/m);
    socket.write('EHLO client.test\r\n');
    await readUntil(socket, /^250 .*\r\n/m);
    socket.write('STARTTLS\r\n');
    await readUntil(socket, /^220 .*\r\n/m);
  } else if (protocol === 'imap') {
    await readUntil(socket, /^\* OK.*\r\n/m);
    socket.write('a STARTTLS\r\n');
    await readUntil(socket, /^a OK.*\r\n/m);
  } else {
    await readUntil(socket, /^\+OK.*\r\n/m);
    socket.write('STLS\r\n');
    await readUntil(socket, /^\+OK.*\r\n/m);
  }
  socket.removeAllListeners('data');
  socket.removeAllListeners('close');
  socket.removeAllListeners('error');
  return socket;
}

/** Completes a handshake with `client` options; resolves to the negotiated version and suite, or to the error. */
function handshake(target: { port: number } | { socket: Socket }, client: ConnectionOptions): Promise<{ version: string; cipher: string } | Error> {
  return new Promise((resolve) => {
    const tls: TLSSocket = tlsConnect({ host: '127.0.0.1', rejectUnauthorized: false, ...target, ...client });
    tls.once('secureConnect', () => {
      const cipher = tls.getCipher();
      resolve({ version: tls.getProtocol() ?? '', cipher: cipher.standardName ?? cipher.name });
      tls.destroy();
    });
    tls.once('error', (err) => resolve(err));
  });
}

/**
 * Clients the policy must refuse. Old protocol versions and weak suites need OpenSSL's security level
 * 0 on the client side, else OpenSSL would not even offer them and the test could not fail.
 */
const REFUSED: Array<{ what: string; client: ConnectionOptions; alert: RegExp }> = [
  { what: 'TLS 1.1', client: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, alert: /alert protocol version/ },
  { what: 'TLS 1.2 with CBC (not AEAD) under ECDHE', client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:@SECLEVEL=0' }, alert: /alert handshake failure/ },
  { what: 'TLS 1.2 with RSA key exchange (not forward-secret) and GCM', client: { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384:@SECLEVEL=0' }, alert: /alert handshake failure/ },
];

describe('one TLS policy on every listener (issue 11)', () => {
  let platform: Platform;
  const listeners: Array<{ name: string; target: () => Promise<{ port: number } | { socket: Socket }> }> = [];

  before(async () => {
    const [submissions, imaps, pop3s] = [await freePort(), await freePort(), await freePort()];
    platform = await startEmbeddedForTest({ env: { SUBMISSIONS_PORT: String(submissions), IMAPS_PORT: String(imaps), POP3S_PORT: String(pop3s) } });
    const p = platform.ports;
    listeners.push(
      { name: 'SMTP MX STARTTLS', target: async () => ({ socket: await upgradeCommand(p.smtp, 'smtp') }) },
      { name: 'submission STARTTLS', target: async () => ({ socket: await upgradeCommand(p.submission, 'smtp') }) },
      { name: 'submissions (implicit TLS)', target: async () => ({ port: submissions }) },
      { name: 'IMAP STARTTLS', target: async () => ({ socket: await upgradeCommand(p.imap, 'imap') }) },
      { name: 'IMAPS', target: async () => ({ port: imaps }) },
      { name: 'POP3 STLS', target: async () => ({ socket: await upgradeCommand(p.pop3, 'pop3') }) },
      { name: 'POP3S', target: async () => ({ port: pop3s }) },
    );
  });
  after(async () => platform?.close());

  it('a TLS 1.3 client gets TLS 1.3 on every listener', async () => {
    for (const l of listeners) {
      const got = await handshake(await l.target(), {});
      assert.ok(!(got instanceof Error), `${l.name}: ${got instanceof Error ? got.message : ''}`);
      assert.equal(got.version, 'TLSv1.3', l.name);
    }
  });

  it('a TLS 1.2 client with a forward-secret AEAD suite is served (the control for the refusals below)', async () => {
    for (const l of listeners) {
      const got = await handshake(await l.target(), { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
      assert.ok(!(got instanceof Error), `${l.name}: ${got instanceof Error ? got.message : ''}`);
      assert.deepEqual(got, { version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }, l.name);
    }
  });

  for (const r of REFUSED) {
    it(`${r.what} is refused by the server on every listener`, async () => {
      for (const l of listeners) {
        const got = await handshake(await l.target(), r.client);
        assert.ok(got instanceof Error, `${l.name} accepted ${r.what}`);
        // the alert came from the server: the client did offer the handshake
        assert.match(got.message, r.alert, `${l.name}: ${got.message}`);
      }
    });
  }
});
