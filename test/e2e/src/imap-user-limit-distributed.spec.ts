import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it, test } from 'node:test';
import { mailctl, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;
const LIMIT = 3;
const USER = 'carol@contoso.test';
const PASSWORD = 'correct horse battery';

/** an IMAP client from 127.0.0.3, outside the exempt networks of this platform */
class Client {
  private buffer = '';
  private waiter: (() => void) | undefined;
  closed = false;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(host: string, port: number): Promise<Client> {
    const socket = connect({ host, port, localAddress: '127.0.0.3' });
    const c = new Client(socket);
    await c.until(/^\* OK/m);
    return c;
  }

  /** the text received up to and including the first line matching `re` (the test's timeout bounds the wait) */
  async until(re: RegExp): Promise<string> {
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        const end = this.buffer.indexOf('\r\n', m.index);
        const cut = end < 0 ? this.buffer.length : end + 2;
        const text = this.buffer.slice(0, cut);
        this.buffer = this.buffer.slice(cut);
        return text;
      }
      if (this.closed) return this.buffer;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async login(tag: string): Promise<string> {
    this.socket.write(`${tag} LOGIN ${USER} "${PASSWORD}"\r\n`);
    return this.until(new RegExp(`^(${tag} |\\* BYE)`, 'm'));
  }

  async logout(): Promise<void> {
    this.socket.write('z LOGOUT\r\n');
    await this.until(/^z OK/m);
    this.socket.destroy();
  }
}

if (!databaseAdminUrl || !natsUrl) {
  test('the cluster-wide per-user IMAP limit needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the cluster-wide per-user limit scenario is mandatory');
  });
} else {
  /**
   * ADR 0065: IMAP_MAX_CONNECTIONS_PER_USER holds across access replicas. With the sessions of an
   * account spread over two replicas, a login beyond the limit is refused on either; a logout on
   * one makes room on the other. (Counted per replica, as before, each would take LIMIT.)
   */
  describe('cluster-wide per-user IMAP session limit (two access replicas)', { timeout: 240_000 }, () => {
    let p: DistributedPlatform;
    let second: number;

    before(async () => {
      const env = { IMAP_MAX_CONNECTIONS_PER_USER: String(LIMIT), LIMIT_EXEMPT_NETWORKS: '127.0.0.1/32,::1/128', ALLOW_PLAINTEXT_AUTH: 'true' };
      p = await startDistributedPlatform({ databaseAdminUrl, natsUrl, env });
      second = Number((await p.addReplica('access', env)).env.IMAP_PORT);
      for (const args of [
        ['domain', 'add', 'contoso.test'],
        ['user', 'add', USER, '--password', PASSWORD],
      ]) {
        const r = await mailctl(p, args);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(async () => p?.close());

    it(`${LIMIT} sessions over both replicas together; a logout on one makes room on the other`, async () => {
      const open: Client[] = [];
      try {
        for (const [i, port] of [p.ports.imap, second, p.ports.imap].entries()) {
          const c = await Client.open(p.host, port);
          open.push(c);
          assert.match(await c.login(`a${i}`), new RegExp(`^a${i} OK`, 'm'));
        }
        // the limit is reached on the cluster: refused on the replica holding one session as on the one holding two
        for (const port of [second, p.ports.imap]) {
          const c = await Client.open(p.host, port);
          assert.match(await c.login('b'), /^\* BYE \[UNAVAILABLE\] Too many connections for this account/m);
        }
        await open.shift()!.logout();
        // the logout is written after its reply: the other replica admits once it has landed
        let admitted = false;
        for (let i = 0; i < 50 && !admitted; i++) {
          const c = await Client.open(p.host, second);
          const reply = await c.login('c');
          admitted = /^c OK/m.test(reply);
          if (admitted) open.push(c);
          else await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(admitted, 'the slot given back on the first replica was taken on the second');
      } finally {
        await Promise.allSettled(open.map((c) => c.logout()));
      }
    });
  });
}
