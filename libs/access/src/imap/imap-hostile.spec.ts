import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '@mail/blob';
import { NetworkList } from '@mail/limits';
import { createLogger } from '@mail/telemetry';
import { ImapServer, type ImapServerOptions } from './imap-server.js';
import { FakeAuth, FakeChangeFeed, FakeMailStore } from './imap-fakes.spec-helper.js';
import { RawImapClient } from './imap-test-client.spec-helper.js';

const logger = createLogger('imap-hostile-test', 'silent');
const ALICE = { address: 'alice@example.com', password: 'correct horse', accountId: '11111111-1111-4111-8111-111111111111' };

/** An IMAP server over fakes, for what attackers send (issue 11). */
async function hostileSetup(opts: Partial<ImapServerOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'imap-hostile-'));
  const blobs = new FsBlobStore(dir);
  const feed = new FakeChangeFeed();
  const store = new FakeMailStore(blobs, feed);
  const auth = new FakeAuth();
  auth.add(ALICE.address, ALICE.password, ALICE.accountId);
  const server = new ImapServer({ host: '127.0.0.1', port: 0, allowPlaintextAuth: true, logger, authFailureDelayMs: 1, shutdownGraceMs: 500, ...opts }, store, auth, feed, blobs);
  await server.start();
  const raws: RawImapClient[] = [];
  return {
    server,
    store,
    auth,
    feed,
    async raw() {
      const r = await RawImapClient.connect(server.ports.port);
      raws.push(r);
      return r;
    },
    async close() {
      for (const r of raws) r.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('IMAP under attack', () => {
  let env: Awaited<ReturnType<typeof hostileSetup>>;
  before(async () => (env = await hostileSetup()));
  after(async () => env.close());

  it('answers LIST with a backtracking-bait pattern against a 500-character mailbox', async () => {
    const c = await env.raw();
    await c.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`);
    const long = 'R'.repeat(500);
    assert.match(await c.command('b', `CREATE ${long}`), /^b OK/m);
    // a regular expression took minutes here and froze every protocol of the process
    const list = await c.command('c', 'LIST "" "*R*R*R*R*R*X"');
    assert.match(list, /^c OK/m);
    assert.doesNotMatch(list, /\* LIST/);
    const hit = await c.command('d', 'LIST "" "*R*R*R*R*R*R"');
    assert.match(hit, new RegExp(`\\* LIST \\([^)]*\\) "/" ${long}\\r\\n`));
    assert.match(await c.command('e', 'LIST "" "(.*)+$"'), /^e OK/m);
  });

  it('survives NOTIFY SET at its limits, over and over, and keeps no subscription behind (ADR 0064)', async () => {
    const c = await env.raw();
    await c.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`);
    const baseline = env.feed.subscribers;
    const names = Array.from({ length: 100 }, (_, i) => `"${'N'.repeat(20)}${i}"`).join(' ');
    const groups = Array.from({ length: 20 }, (_, i) => `(${i % 2 ? 'subtree' : 'mailboxes'} (${names}) (MessageNew MessageExpunge MailboxName SubscriptionChange))`).join(' ');
    for (let i = 0; i < 30; i++) assert.match(await c.command(`n${i}`, `NOTIFY SET STATUS ${groups}`), new RegExp(`^n${i} OK`, 'm'));
    assert.ok(env.feed.subscribers <= baseline + 1, `subscriptions ${env.feed.subscribers} (was ${baseline})`);
    assert.match(await c.command('x', `NOTIFY SET ${groups} (personal (MailboxName))`), /^x BAD/m);
    assert.match(await c.command('y', 'NOTIFY SET (personal (MessageNew (BODY[]) MessageExpunge))'), /^y BAD/m);
    assert.match(await c.command('z', 'NOTIFY NONE'), /^z OK/m);
    assert.equal(env.feed.subscribers, baseline);
    assert.equal(env.feed.subscriptionWatchers, 0);
    assert.match(await c.command('w', 'NOOP'), /^w OK/m);
  });
});

describe('IMAP connection limits', () => {
  it('refuses a client past its connection limit with BYE while others still get in', async () => {
    const env = await hostileSetup({ limits: { maxConnections: 100, maxPerClient: 3, exempt: new NetworkList('') } });
    try {
      const held = await Promise.all([env.raw(), env.raw(), env.raw()]);
      const refused = await connectRaw(env.server.ports.port);
      assert.match(refused.text, /^\* BYE \[UNAVAILABLE\] Too many connections from your address/);
      assert.ok(refused.closed);
      held[0].close();
      await held[0].closedByServer();
      await waitFor(() => env.server.connectionCount < 3);
      const again = await env.raw();
      assert.match(await again.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`), /^a OK/m);
    } finally {
      await env.close();
    }
  });

  it('refuses a login past the per-user session limit with BYE, and admits one again after a session ends', async () => {
    const env = await hostileSetup({ maxPerUser: 2 });
    const login = `LOGIN ${ALICE.address} "${ALICE.password}"`;
    try {
      const first = await env.raw();
      const second = await env.raw();
      assert.match(await first.command('a', login), /^a OK/m);
      assert.match(await second.command('a', login), /^a OK/m);
      const third = await env.raw();
      third.send(`a ${login}\r\n`);
      assert.match(await third.until(/\r\n/), /^\* BYE \[UNAVAILABLE\] Too many connections for this account/);
      await third.closedByServer();
      // the sessions already in are untouched
      assert.match(await first.command('b', 'NOOP'), /^b OK/m);
      first.close();
      await waitFor(() => env.server.connectionCount < 2);
      const again = await env.raw();
      assert.match(await again.command('a', login), /^a OK/m);
    } finally {
      await env.close();
    }
  });

  it('logs out a client silent before login after loginTimeoutMs', async () => {
    const env = await hostileSetup({ loginTimeoutMs: 200 });
    try {
      const anonymous = await env.raw();
      assert.match(await anonymous.until(/\r\n/), /^\* BYE Autologout/);
      await anonymous.closedByServer();
    } finally {
      await env.close();
    }
  });

  it('logs out a logged-in client silent for idleTimeoutMs', async () => {
    const env = await hostileSetup({ idleTimeoutMs: 300 });
    try {
      const user = await env.raw();
      assert.match(await user.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`), /^a OK/m);
      assert.match(await user.until(/\r\n/), /^\* BYE Autologout/);
      await user.closedByServer();
    } finally {
      await env.close();
    }
  });

  it('drops a client that trickles bytes without logging in before the deadline', async () => {
    const env = await hostileSetup({ preAuthDeadlineMs: 1500 });
    try {
      // a client that logs in in time keeps its connection past the deadline
      const ok = await env.raw();
      assert.match(await ok.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`), /^a OK/m);
      const c = await env.raw();
      const trickle = setInterval(() => c.send('a'), 20);
      await c.closedByServer();
      clearInterval(trickle);
      assert.match(await ok.command('b', 'NOOP'), /^b OK/m);
    } finally {
      await env.close();
    }
  });
});

/** connects and reads until the server closes (a refused connection) */
async function connectRaw(port: number): Promise<{ text: string; closed: boolean }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => undefined);
  await once(socket, 'close');
  return { text, closed: true };
}

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}
