import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { mailctl, RawLineClient, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;
const LIMIT = 3;
const USER = 'carol@contoso.test';
const PASSWORD = 'correct horse battery';

/** an IMAP client from 127.0.0.3, outside the exempt networks of this platform, past the greeting */
async function openClient(port: number): Promise<RawLineClient> {
  const c = await RawLineClient.open(port, '127.0.0.3');
  await c.line(/^\* OK/);
  return c;
}

/** the LOGIN's tagged reply, or the BYE that refuses it */
async function login(c: RawLineClient, tag: string): Promise<string> {
  c.sendLine(`${tag} LOGIN ${USER} "${PASSWORD}"`);
  return c.line(new RegExp(`^(${tag} |\\* BYE)`));
}

async function logout(c: RawLineClient): Promise<void> {
  c.sendLine('z LOGOUT');
  await c.line(/^z OK/);
  c.close();
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
      const open: RawLineClient[] = [];
      try {
        for (const [i, port] of [p.ports.imap, second, p.ports.imap].entries()) {
          const c = await openClient(port);
          open.push(c);
          assert.match(await login(c, `a${i}`), new RegExp(`^a${i} OK`, 'm'));
        }
        // the limit is reached on the cluster: refused on the replica holding one session as on the one holding two
        for (const port of [second, p.ports.imap]) {
          const c = await openClient(port);
          assert.match(await login(c, 'b'), /^\* BYE \[UNAVAILABLE\] Too many connections for this account/m);
        }
        await logout(open.shift()!);
        // the logout is written after its reply: the other replica admits once it has landed
        let admitted = false;
        for (let i = 0; i < 50 && !admitted; i++) {
          const c = await openClient(second);
          const reply = await login(c, 'c');
          admitted = /^c OK/m.test(reply);
          if (admitted) open.push(c);
          else await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(admitted, 'the slot given back on the first replica was taken on the second');
      } finally {
        await Promise.allSettled(open.map((c) => logout(c)));
      }
    });
  });
}
