import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedByFake {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user?: string;
}

export interface FakeSmtp {
  port: number;
  received: ReceivedByFake[];
  /** next transactions answer this at RCPT (e.g. 451 to test failover on 4xx) */
  failRcpt?: { code: number; text: string };
  close(): Promise<void>;
}

/**
 * A smart host (or a remote MX) for tests: a real SMTP server (smtp-server) on loopback that keeps
 * what it gets; on 127.0.0.1 and a free port unless `listen` names another loopback address and port.
 */
export async function startFakeSmtp(opts: Partial<SMTPServerOptions> & { users?: Record<string, string>; listen?: { host: string; port: number } } = {}): Promise<FakeSmtp> {
  const { users, listen, ...options } = opts;
  const received: ReceivedByFake[] = [];
  const fake: FakeSmtp = { port: 0, received, close: async () => undefined };
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: !users,
    ...(users ? { authMethods: ['PLAIN', 'LOGIN'], allowInsecureAuth: false } : { disabledCommands: ['AUTH'] }),
    onAuth: (auth, _session, cb) => (users && users[auth.username ?? ''] === auth.password ? cb(null, { user: auth.username }) : cb(new Error('535 5.7.8 bad credentials'))),
    onRcptTo: (_addr, _session, cb) => (fake.failRcpt ? cb(Object.assign(new Error(fake.failRcpt.text), { responseCode: fake.failRcpt.code })) : cb()),
    onData: (stream, session, cb) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: !!session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb();
      });
    },
    ...options,
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(listen?.port ?? 0, listen?.host ?? '127.0.0.1', () => resolve());
  });
  fake.port = (server.server.address() as AddressInfo).port;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}

/** Resolves once `check` passes, polling; fails with the last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
