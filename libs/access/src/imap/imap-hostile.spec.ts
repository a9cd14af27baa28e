import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '@mail/blob';
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
});

