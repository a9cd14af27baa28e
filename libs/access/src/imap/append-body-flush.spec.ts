import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore, InlineBlobStore } from '@mail/blob';
import { ContractError, type AppendMessage, type RequestOf, type ResponseOf } from '@mail/contracts';
import { scratchPglite, type ScratchDatabase } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { ImapServer } from './imap-server.js';
import { FakeAuth, FakeChangeFeed, FakeMailStore } from './imap-fakes.spec-helper.js';
import { RawImapClient } from './imap-test-client.spec-helper.js';

const ALICE = { address: 'alice@example.com', password: 'correct horse', accountId: '11111111-1111-4111-8111-111111111111' };

/**
 * A store whose appends commit on the bodies' database (ADR 0063), as access's direct appends do;
 * it answers UNAVAILABLE for the blobs named in `lost`, as the store's append does when an
 * unflushed body is gone (ADR 0073; the store's side: libs/store append-body-check.spec).
 */
class CommitsWithBodies extends FakeMailStore {
  override readonly appendsCommitWithBodies = true;
  readonly asked: Array<boolean | undefined> = [];
  lostNext = false;

  override async appendMessage(req: RequestOf<typeof AppendMessage>): Promise<ResponseOf<typeof AppendMessage>> {
    this.asked.push(req.bodyUnflushed);
    if (this.lostNext) throw new ContractError('UNAVAILABLE', 'the message body was lost before it was stored');
    return super.appendMessage(req);
  }
}

describe('IMAP APPEND over an inline body committed without its flush (ADR 0073)', () => {
  let scratch: ScratchDatabase;
  let dir: string;
  let blobs: InlineBlobStore;
  let store: CommitsWithBodies;
  let server: ImapServer;
  before(async () => {
    scratch = await scratchPglite();
    dir = await mkdtemp(join(tmpdir(), 'imap-body-'));
    blobs = await InlineBlobStore.open(scratch.db, new FsBlobStore(dir));
    const feed = new FakeChangeFeed();
    store = new CommitsWithBodies(blobs, feed);
    const auth = new FakeAuth();
    auth.add(ALICE.address, ALICE.password, ALICE.accountId);
    server = new ImapServer({ host: '127.0.0.1', port: 0, allowPlaintextAuth: true, logger: createLogger('imap-test', 'silent'), authFailureDelayMs: 1, shutdownGraceMs: 2000 }, store, auth, feed, blobs);
    await server.start();
  });
  after(async () => {
    await server?.stop();
    await scratch?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tells the store the body is unflushed, and answers NO [UNAVAILABLE] (body removed) when the store found it gone', async () => {
    const raw = await RawImapClient.connect(server.ports.port);
    try {
      assert.match(await raw.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`), /^a OK/m);
      const msg = 'Subject: kept\r\n\r\nhello\r\n';
      assert.match(await raw.command('b', `APPEND INBOX {${msg.length}+}\r\n${msg}`), /^b OK \[APPENDUID \d+ \d+\]/m);
      assert.deepEqual(store.asked, [true], 'the inline put deferred its flush, and the request says so');
      store.lostNext = true;
      const lost = 'Subject: lost\r\n\r\nhello\r\n';
      assert.match(await raw.command('c', `APPEND INBOX {${lost.length}+}\r\n${lost}`), /^c NO \[UNAVAILABLE\]/m);
      const { rows } = await scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM blob.inline');
      assert.equal(rows[0]?.n, 1, "the refused APPEND's body was removed; the client still holds the message");
    } finally {
      raw.close();
    }
  });
});
