// Graceful termination as Kubernetes does it: SIGTERM to a service process. access tells its IMAP
// clients `* BYE` and stops accepting; smtp-in lets a transaction that is in the middle of DATA
// finish (250, the message delivered) and refuses new connections; both processes exit 0 within
// SHUTDOWN_GRACE_MS (the Deployments' terminationGracePeriodSeconds covers preStop + that + 5 s).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it, test } from 'node:test';
import { mailctl, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';
import { imapClient, waitForMessages } from './scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

/** A raw client that collects everything the server says. */
async function rawClient(port: number): Promise<{ socket: Socket; until(re: RegExp, timeoutMs?: number): Promise<string>; send(line: string): void; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
  let buffer = '';
  const waiters: (() => void)[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buffer += d;
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return {
    socket,
    closed,
    send: (line) => socket.write(`${line}\r\n`),
    until: async (re, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(buffer);
        if (m) {
          const upTo = buffer.slice(0, m.index + m[0].length);
          buffer = buffer.slice(m.index + m[0].length);
          return upTo;
        }
        if (Date.now() > deadline) throw new Error(`waited for ${re} in ${JSON.stringify(buffer)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}

function service(p: DistributedPlatform, name: string) {
  const svc = p.services.find((s) => s.name === name);
  if (!svc) throw new Error(`no ${name} process`);
  return svc;
}

const exitCode = (p: DistributedPlatform, name: string) => new Promise<number | null>((resolve) => {
  const svc = service(p, name);
  if (svc.proc.exitCode !== null) resolve(svc.proc.exitCode);
  else svc.proc.once('exit', (code) => resolve(code));
});

if (!databaseAdminUrl || !natsUrl) {
  test('graceful termination (distributed mode) needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  describe('SIGTERM drains the protocol servers (distributed mode)', { timeout: 180_000 }, () => {
    let p: DistributedPlatform;
    before(async () => {
      p = await startDistributedPlatform({ databaseAdminUrl, natsUrl, env: { SHUTDOWN_GRACE_MS: '8000' } });
      assert.equal((await mailctl(p, ['domain', 'add', 'drain.test'])).code, 0);
      assert.equal((await mailctl(p, ['user', 'add', 'dora@drain.test', '--password', 'correct horse battery'])).code, 0);
    });
    after(async () => {
      await p?.close();
    });

    it('smtp-in finishes a transaction in the middle of DATA, refuses new sessions and exits 0', async () => {
      const smtp = await rawClient(p.ports.smtp);
      await smtp.until(/^220 .*\r\n/m);
      smtp.send('EHLO client.test');
      await smtp.until(/^250 .*\r\n/m);
      smtp.send('MAIL FROM:<sender@remote.test>');
      await smtp.until(/^250 .*\r\n/m);
      smtp.send('RCPT TO:<dora@drain.test>');
      await smtp.until(/^250 .*\r\n/m);
      smtp.send('DATA');
      await smtp.until(/^354 .*\r\n/m);
      smtp.send('From: sender@remote.test\r\nTo: dora@drain.test\r\nSubject: in flight at SIGTERM\r\n\r\nfirst half');

      const exited = exitCode(p, 'smtp-in');
      service(p, 'smtp-in').proc.kill('SIGTERM');
      // new sessions are refused once the listener has closed
      const deadline = Date.now() + 10_000;
      let refused = false;
      while (!refused && Date.now() < deadline) {
        refused = await new Promise<boolean>((resolve) => {
          const s = connect({ host: '127.0.0.1', port: p.ports.smtp });
          s.once('connect', () => (s.destroy(), resolve(false)));
          s.once('error', () => resolve(true));
        });
        if (!refused) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(refused, 'smtp-in still accepts connections after SIGTERM');

      smtp.send('second half\r\n.');
      assert.match(await smtp.until(/^\d{3} .*\r\n/m), /^250 /m, 'the transaction in flight was accepted');
      smtp.send('QUIT');
      await smtp.closed;
      assert.equal(await exited, 0);

      const client = imapClient(p, 'dora@drain.test', 'correct horse battery');
      await client.connect();
      try {
        await waitForMessages(client, 1);
      } finally {
        await client.logout();
      }
    });

    it('access tells IMAP clients BYE, stops accepting and exits 0', async () => {
      const imap = await rawClient(p.ports.imap);
      await imap.until(/^\* OK .*\r\n/m);
      imap.send('a1 LOGIN dora@drain.test "correct horse battery"');
      // plaintext LOGIN may be refused before STARTTLS: either way the session is open
      await imap.until(/^a1 .*\r\n/m);
      const exited = exitCode(p, 'access');
      service(p, 'access').proc.kill('SIGTERM');
      assert.match(await imap.until(/^\* BYE .*\r\n/m), /^\* BYE /m);
      await imap.closed;
      assert.equal(await exited, 0);
      await assert.rejects(rawClient(p.ports.imap), 'access still accepts connections after SIGTERM');
    });
  });
}
