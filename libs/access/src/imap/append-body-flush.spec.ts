import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore, InlineBlobStore, type BlobStore } from '@mail/blob';
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
  /** how each append's body came: held for the statement, or put without its flush */
  readonly asked: string[] = [];
  lostNext = false;

  constructor(
    private readonly bodies: BlobStore,
    feed: FakeChangeFeed,
  ) {
    super(bodies, feed);
  }

  override async appendMessage(req: RequestOf<typeof AppendMessage>): Promise<ResponseOf<typeof AppendMessage>> {
    this.asked.push(req.inlineBody ? 'held' : req.bodyUnflushed ? 'unflushed' : 'durable');
    if (this.lostNext) throw new ContractError('UNAVAILABLE', 'the message body was lost before it was stored');
    // the store's statement writes a held body as its row, with the message
    if (req.inlineBody) await this.bodies.put(req.blobKey, req.inlineBody);
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

  it('hands the body to the append (held, or put unflushed for a MULTIAPPEND), and answers NO [UNAVAILABLE] when the store found it gone', async () => {
    const raw = await RawImapClient.connect(server.ports.port);
    try {
      assert.match(await raw.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`), /^a OK/m);
      const msg = 'Subject: kept\r\n\r\nhello\r\n';
      assert.match(await raw.command('b', `APPEND INBOX {${msg.length}+}\r\n${msg}`), /^b OK \[APPENDUID \d+ \d+\]/m);
      assert.deepEqual(store.asked, ['held'], "the body comes with the request, for the append's statement to write");
      // MULTIAPPEND: the earlier message is not held until the last one: put, its flush left to the append
      const [m1, m2] = ['Subject: one\r\n\r\nx\r\n', 'Subject: two\r\n\r\ny\r\n'];
      assert.match(await raw.command('m', `APPEND INBOX {${m1.length}+}\r\n${m1} {${m2.length}+}\r\n${m2}`), /^m OK \[APPENDUID \d+ \d+:\d+\]/m);
      assert.deepEqual(store.asked.slice(1), ['unflushed', 'held']);
      store.lostNext = true;
      const lost = 'Subject: lost\r\n\r\nhello\r\n';
      assert.match(await raw.command('c', `APPEND INBOX {${lost.length}+}\r\n${lost}`), /^c NO \[UNAVAILABLE\]/m);
      const { rows } = await scratch.db.query<{ n: number }>('SELECT count(*)::int AS n FROM blob.inline');
      assert.equal(rows[0]?.n, 3, "the refused APPEND's body was removed (or never written); the client still holds the message");
    } finally {
      raw.close();
    }
  });
});
