import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobStore, FsBlobStore, InlineBlobStore, newBlobKey, readAll } from '@mail/blob';
import { AppendMessage, ContractError, encodeCarriedIndex, ListMailboxes, MailboxStatus } from '@mail/contracts';
import { indexMessageBuffer } from '@mail/mime';
import type { StoreAppends } from './store-appends.js';
import { composeStoreAppends } from './store-appends-composed.js';
import { countingStatements, freshPostgres, inMemoryPglite, rawMessage, startStore, type OpenedDatabase, type StoreHarness } from './store-test-harness.js';

type CountingFlushes = InlineBlobStore & { flushes: number };

/** An inline blob store that counts the `flushPut`s asked of it. */
function countingFlushes(store: InlineBlobStore): CountingFlushes {
  const counted = store as CountingFlushes;
  counted.flushes = 0;
  const flushPut = store.flushPut.bind(store);
  counted.flushPut = (key: string) => {
    counted.flushes++;
    return flushPut(key);
  };
  return counted;
}

const unavailable = (err: unknown) => err instanceof ContractError && err.code === 'UNAVAILABLE';

/**
 * ADR 0073: an APPEND whose body row was committed without its flush (`bodyUnflushed`) is written
 * only by a statement that sees the row, so its synchronous commit covers the body; when the row is
 * not visible the body is flushed (`flushPut`) and the append runs again, and when it is gone the
 * append fails UNAVAILABLE with nothing written. The store's append as `access` composes it, with
 * the bodies in the store's database (the common case) or in a second one (standing in for the
 * server a body was committed on before a failover: the append's database does not show it).
 */
function bodyCheckSuite(name: string, open: () => Promise<OpenedDatabase>) {
  describe(`an APPEND over an unflushed body (${name}, ADR 0073)`, () => {
    let h: StoreHarness;
    let elsewhere: OpenedDatabase;
    let dir: string;
    let here: CountingFlushes;
    let there: CountingFlushes;
    const composed: Array<{ close(): Promise<void> }> = [];
    /** the statements the composed code sent, by its Database */
    const statements: string[] = [];

    /** the store's APPEND composed beside the store (as in access), its bodies in `blobs` */
    const compose = async (blobs: BlobStore): Promise<StoreAppends> => {
      const db = h.db;
      const counting = countingStatements(db, statements);
      const c = await composeStoreAppends({ bus: h.bus, db: counting, blobs });
      composed.push(c);
      return c.appends;
    };

    before(async () => {
      h = await startStore(await open());
      elsewhere = await open();
      dir = await mkdtemp(join(tmpdir(), 'body-check-'));
      // the store's database holds the blob schema, as access's one Database does
      here = countingFlushes(await InlineBlobStore.open(h.db, new FsBlobStore(dir)));
      there = countingFlushes(await InlineBlobStore.open(elsewhere.db, new FsBlobStore(dir)));
    });
    after(async () => {
      for (const c of composed) await c.close();
      await elsewhere?.drop();
      await h?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** a message put as access puts an APPEND's body: its flush left to the append */
    const put = async (blobs: BlobStore, subject: string) => {
      const raw = Buffer.from(rawMessage({ subject }));
      const blobKey = newBlobKey();
      assert.equal((await blobs.put(blobKey, raw, { flush: 'with-next-commit' })).deferred, true);
      return { blobKey, size: raw.length, index: encodeCarriedIndex(indexMessageBuffer(raw)), bodyUnflushed: true as const };
    };
    const newAccount = async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      return accountId;
    };
    const inbox = async (accountId: string) => h.bus.request(MailboxStatus, { accountId, name: 'INBOX' });

    it('appends a body its statement sees in that one statement, with no flush of its own', async () => {
      const appends = await compose(here);
      const accountId = await newAccount();
      await appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await put(here, 'first: reads whether the blob schema is here')) }));
      statements.length = 0;
      here.flushes = 0;
      const res = await appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await put(here, 'covered')), recent: 'claim' }));
      assert.equal(res.uid, 2);
      assert.equal(statements.length, 1, statements.map((s) => s.slice(0, 60)).join(' | '));
      assert.match(statements[0]!, /blob\.inline/, 'the append statement checks the body row');
      assert.equal(here.flushes, 0);
      const both = await appends.appendAll({ accountId, mailbox: 'INBOX', messages: [{ ...(await put(here, 'm1')), flags: [] }, { ...(await put(here, 'm2')), flags: [] }] });
      assert.deepEqual(both.results.map((r) => r.uid), [3, 4]);
      assert.equal(here.flushes, 0);
    });

    it('writes a held body in the append statement itself: one statement, the row with the message; nothing when the append is refused', async () => {
      const appends = await compose(here);
      const accountId = await newAccount();
      await appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await put(here, 'first: reads whether the blob schema is here')) }));
      const held = async (subject: string) => {
        const raw = Buffer.from(rawMessage({ subject }));
        const blobKey = newBlobKey();
        const r = await here.put(blobKey, raw, { flush: 'by-caller' });
        assert.deepEqual(r, { size: raw.length, held: raw }, 'the put wrote nothing');
        return { blobKey, size: raw.length, index: encodeCarriedIndex(indexMessageBuffer(raw)), inlineBody: raw };
      };
      const rowOf = async (key: string) => (await h.db.query('SELECT 1 FROM blob.inline WHERE key = $1', [key])).rows.length;
      statements.length = 0;
      const one = await held('in one statement');
      const res = await appends.appendMessage(AppendMessage.request.parse({ accountId, ...one, recent: 'claim' }));
      assert.equal(res.uid, 2);
      assert.equal(statements.length, 1, statements.map((s) => s.slice(0, 60)).join(' | '));
      assert.deepEqual(await readAll(await here.get(one.blobKey)), one.inlineBody, 'the body row was written with the message');
      const nowhere = await held('to no mailbox');
      await assert.rejects(appends.appendMessage(AppendMessage.request.parse({ accountId, mailbox: 'Nowhere', ...nowhere })), (err: unknown) => err instanceof ContractError && err.code === 'NOT_FOUND');
      const full = await held('over quota');
      await assert.rejects(appends.appendMessage(AppendMessage.request.parse({ accountId, ...full, quota: { bytes: 1, messages: null } })), (err: unknown) => err instanceof ContractError && err.code === 'OVER_QUOTA');
      assert.equal((await rowOf(nowhere.blobKey)) + (await rowOf(full.blobKey)), 0, 'a refused append writes no body');
      // MULTIAPPEND: every held body with its message, in the one transaction
      const [m1, m2] = [await held('m1'), await held('m2')];
      const both = await appends.appendAll({ accountId, mailbox: 'INBOX', messages: [{ ...m1, flags: [] }, { ...m2, flags: [] }] });
      assert.deepEqual(both.results.map((r) => r.uid), [3, 4]);
      assert.equal((await rowOf(m1.blobKey)) + (await rowOf(m2.blobKey)), 2);
    });

    it('puts a held body first where the database has no blob schema', async () => {
      const bare = await open();
      try {
        // a database with neither the blob schema nor the mail schema: the put comes first, then the append fails
        const c = await composeStoreAppends({ bus: h.bus, db: bare.db, blobs: there });
        composed.push(c);
        const raw = Buffer.from(rawMessage({ subject: 'no schema' }));
        const blobKey = newBlobKey();
        await assert.rejects(c.appends.appendMessage(AppendMessage.request.parse({ accountId: randomUUID(), blobKey, size: raw.length, inlineBody: raw })));
        assert.deepEqual(await readAll(await there.get(blobKey)), raw, 'the body was put into the blob store before the append ran');
      } finally {
        await bare.drop();
      }
    });

    it('flushes a body its statement did not see and appends again', async () => {
      const appends = await compose(there);
      const accountId = await newAccount();
      there.flushes = 0;
      const res = await appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await put(there, 'not visible to the append')) }));
      assert.equal(res.uid, 1);
      assert.equal(there.flushes, 1, 'flushPut, then the append again');
      assert.equal((await inbox(accountId)).messages, 1);
      // MULTIAPPEND: the transaction rolled back, every unflushed body flushed, all appended once
      const both = await appends.appendAll({ accountId, mailbox: 'INBOX', messages: [{ ...(await put(there, 'm1')), flags: [] }, { ...(await put(there, 'm2')), flags: [] }] });
      assert.deepEqual(both.results.map((r) => r.uid), [2, 3]);
      assert.equal(there.flushes, 3);
      assert.equal((await inbox(accountId)).messages, 3);
    });

    it('answers UNAVAILABLE and writes nothing when the body is gone', async () => {
      const appends = await compose(here);
      const accountId = await newAccount();
      here.flushes = 0;
      const lost = await put(here, 'lost with the server');
      // what a crash or failover after the body's unflushed commit leaves: no row
      await h.db.query('DELETE FROM blob.inline WHERE key = $1', [lost.blobKey]);
      await assert.rejects(appends.appendMessage(AppendMessage.request.parse({ accountId, ...lost })), unavailable);
      assert.equal(here.flushes, 1);
      const kept = await put(here, 'kept');
      const gone = await put(here, 'gone');
      await h.db.query('DELETE FROM blob.inline WHERE key = $1', [gone.blobKey]);
      await assert.rejects(appends.appendAll({ accountId, mailbox: 'INBOX', messages: [{ ...kept, flags: [] }, { ...gone, flags: [] }] }), unavailable);
      const status = await inbox(accountId);
      assert.equal(status.messages, 0, 'no message refers to a lost body');
      assert.equal(status.uidNext, 1, 'no UID was taken');
      const { rows } = await h.db.query<{ refs: number }>('SELECT coalesce(sum(ref_count), 0)::int AS refs FROM mail.message_indexes WHERE blob_key = ANY($1::text[])', [[lost.blobKey, kept.blobKey, gone.blobKey]]);
      assert.equal(rows[0]?.refs, 0, 'the index references taken were given back');
    });
  });
}

bodyCheckSuite('PGlite', inMemoryPglite);
const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) bodyCheckSuite('PostgreSQL', () => freshPostgres(pgUrl));
