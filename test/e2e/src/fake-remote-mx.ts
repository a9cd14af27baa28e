import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { generate } from 'selfsigned';

export interface ReceivedMail {
  host: string;
  from: string;
  to: string[];
  body: Buffer;
  secure: boolean;
}

/** A CA made for the test, and certificates it signs: what MTA-STS checks against (OUTBOUND_TLS_CA_FILE). */
export async function testCa(): Promise<{ cert: string; issue(names: string[]): Promise<{ cert: string; key: string }> }> {
  const ca = await generate([{ name: 'commonName', value: 'Outbound Test CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    days: 2,
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }],
  } as never);
  return {
    cert: ca.cert,
    issue: async (names) => {
      const leaf = await generate([{ name: 'commonName', value: names[0] }], {
        keySize: 2048,
        algorithm: 'sha256',
        days: 2,
        ca: { key: ca.private, cert: ca.cert },
        extensions: [{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) }],
      } as never);
      return { cert: leaf.cert, key: leaf.private };
    },
  };
}

/**
 * A remote MX on a loopback address of its own (127.0.0.x), all on one port (the platform's
 * OUTBOUND_PORT). With `tls`, it offers STARTTLS with that certificate.
 */
export async function fakeRemoteMx(host: string, port: number, opts: { tls?: { cert: string; key: string }; smtputf8?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    hideSMTPUTF8: !opts.smtputf8,
    authOptional: true,
    logger: false,
    closeTimeout: 100,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          host,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          body: Buffer.concat(chunks),
          secure: session.secure,
        });
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { host, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** An HTTPS policy host (mta-sts.<domain>) answering /.well-known/mta-sts.txt per domain. */
export async function fakePolicyHost(host: string, port: number, tls: { cert: string; key: string }, policies: Record<string, string>): Promise<{ server: HttpsServer; fetched: string[]; close(): Promise<void> }> {
  const fetched: string[] = [];
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const name = String(req.headers.host ?? '').replace(/:\d+$/, '');
    fetched.push(`${name}${req.url}`);
    const policy = policies[name];
    if (req.url !== '/.well-known/mta-sts.txt' || !policy) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  void (server.address() as AddressInfo);
  return { server, fetched, close: () => new Promise<void>((r) => server.close(() => r())) };
}
