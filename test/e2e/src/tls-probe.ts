import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { PlatformUnderTest } from '@mail/testing';

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
export async function upgradeCommand(port: number, protocol: 'smtp' | 'imap' | 'pop3'): Promise<Socket> {
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
export function handshake(target: { port: number } | { socket: Socket }, client: ConnectionOptions): Promise<{ version: string; cipher: string; fingerprint: string } | Error> {
  return new Promise((resolve) => {
    const tls: TLSSocket = tlsConnect({ host: '127.0.0.1', rejectUnauthorized: false, ...target, ...client });
    tls.once('secureConnect', () => {
      const cipher = tls.getCipher();
      const peer: PeerCertificate = tls.getPeerCertificate();
      resolve({ version: tls.getProtocol() ?? '', cipher: cipher.standardName ?? cipher.name, fingerprint: peer.fingerprint256 });
      tls.destroy();
    });
    tls.once('error', (err) => resolve(err));
  });
}

/** Every TLS listener of an embedded platform started with SUBMISSIONS_PORT, IMAPS_PORT and POP3S_PORT. */
export function tlsListeners(p: PlatformUnderTest, implicit: { submissions: number; imaps: number; pop3s: number }) {
  return [
    { name: 'SMTP MX STARTTLS', target: async () => ({ socket: await upgradeCommand(p.ports.smtp, 'smtp') }) },
    { name: 'submission STARTTLS', target: async () => ({ socket: await upgradeCommand(p.ports.submission, 'smtp') }) },
    { name: 'submissions (implicit TLS)', target: async () => ({ port: implicit.submissions }) },
    { name: 'IMAP STARTTLS', target: async () => ({ socket: await upgradeCommand(p.ports.imap, 'imap') }) },
    { name: 'IMAPS', target: async () => ({ port: implicit.imaps }) },
    { name: 'POP3 STLS', target: async () => ({ socket: await upgradeCommand(p.ports.pop3, 'pop3') }) },
    { name: 'POP3S', target: async () => ({ port: implicit.pop3s }) },
  ];
}
