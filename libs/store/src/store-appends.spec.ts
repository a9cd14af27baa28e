import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppendMessage, ContractError, encodeCarriedIndex, ExpungeMessages, FetchMessages, ListMailboxes, MailboxChanged, MailboxStatus, UpdateFlags, type EventOf } from '@mail/contracts';
import { indexMessageBuffer } from '@mail/mime';
import type { StoreAppends } from './store-appends.js';
import { composeStoreAppends } from './store-appends-composed.js';
import { countingStatements, freshPostgres, inMemoryPglite, rawMessage, startStore, type OpenedDatabase, type StoreHarness } from './store-test-harness.js';

const QUOTA = 50_000;

/**
 * The store's APPEND composed into another process as `access` composes it (ADR 0063): the same
 * database and bus as the store service, no handlers of its own.
 */
function appendsSuite(name: string, open: () => Promise<OpenedDatabase>) {
  describe(`StoreAppends composed beside the store (${name})`, () => {
    let h: StoreHarness;
    let composed: Awaited<ReturnType<typeof composeStoreAppends>>;
    let appends: StoreAppends;
    /** the statements the composed code sent, by its Database */
    const statements: string[] = [];
    before(async () => {
      h = await startStore(await open(), { defaultQuotaBytes: QUOTA });
      const db = h.db;
      const counting = countingStatements(db, statements);
      composed = await composeStoreAppends({ bus: h.bus, db: counting, blobs: h.blobs }, { defaultQuotaBytes: QUOTA });
      appends = composed.appends;
    });
    after(async () => {
      await composed?.close();
      await h?.close();
    });

    const message = async (subject: string, body = 'hello') => {
      const raw = rawMessage({ subject, body });
      return { blobKey: await h.put(raw), size: Buffer.byteLength(raw), index: encodeCarriedIndex(indexMessageBuffer(Buffer.from(raw))) };
    };

    it('appends in this process as the store does: the next UID, the change event on the bus, the \\Recent claim', async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      const events: Array<EventOf<typeof MailboxChanged>> = [];
      const sub = await h.bus.subscribe(MailboxChanged, (e) => void events.push(e), accountId);
      try {
        const viaBus = await h.bus.request(AppendMessage, { accountId, ...(await message('over the bus')) });
        const direct = await appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await message('in access')), flags: ['\\Seen'], recent: 'claim' }));
        assert.equal(direct.uid, viaBus.uid + 1);
        assert.equal(direct.modseq, viaBus.modseq + 1);
        assert.deepEqual(direct.flags, ['\\Seen']);
        assert.deepEqual(direct.recent, { after: 0, upTo: direct.uid }, 'claimed up to the new message, in the append');
        for (let i = 0; i < 50 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(
          events.map((e) => [e.kind, e.uids, e.modseq, e.recentUpTo]),
          [
            ['appended', [viaBus.uid], viaBus.modseq, undefined],
            // the claim rides on the event: other IMAP4rev1 sessions need not claim it (ADR 0074)
            ['appended', [direct.uid], direct.modseq, direct.uid],
          ],
        );
        // STORE and EXPUNGE in this process too (ADR 0074): a STORE that changes nothing takes no MODSEQ and publishes nothing
        const same = await appends.updateFlags(UpdateFlags.request.parse({ accountId, mailboxId: direct.mailboxId, uids: [[direct.uid, direct.uid]], mode: 'add', flags: ['\\Seen'] }));
        assert.deepEqual(same, { updated: [], conflicts: [] });
        const flagged = await appends.updateFlags(UpdateFlags.request.parse({ accountId, mailboxId: direct.mailboxId, uids: [[direct.uid, direct.uid]], mode: 'add', flags: ['\\Deleted'] }));
        assert.deepEqual(flagged.updated, [{ uid: direct.uid, modseq: direct.modseq + 1, flags: ['\\Seen', '\\Deleted'] }]);
        const gone = await appends.expungeMessages(ExpungeMessages.request.parse({ accountId, mailboxId: direct.mailboxId }));
        assert.deepEqual(gone, { expunged: [direct.uid], highestModseq: direct.modseq + 2 });
        for (let i = 0; i < 50 && events.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(
          events.slice(2).map((e) => [e.kind, e.uids, e.modseq]),
          [
            ['flags', [direct.uid], direct.modseq + 1],
            ['expunged', [direct.uid], direct.modseq + 2],
          ],
        );
        const status = await h.bus.request(MailboxStatus, { accountId, name: 'INBOX' });
        assert.equal(status.messages, 1);
        assert.equal(status.unseen, 1);
        const { messages } = await h.bus.request(FetchMessages, { accountId, mailboxId: direct.mailboxId, uids: [[viaBus.uid, viaBus.uid]], envelope: true });
        assert.equal(messages[0]?.envelope?.subject, 'over the bus');
      } finally {
        await sub.unsubscribe();
      }
    });

    it('appends an IMAP APPEND (no idempotency key) in ONE statement, with no context read before it (ADR 0069)', async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      const request = AppendMessage.request.parse({ accountId, ...(await message('one statement')), recent: 'claim' });
      statements.length = 0;
      // composed outside the store, the change event is flushed to the bus before the append returns (ADR 0074, 0080)
      const ping = h.bus.ping;
      let flushes = 0;
      h.bus.ping = () => (flushes++, ping.call(h.bus));
      try {
        const res = await appends.appendMessage(request);
        assert.equal(res.uid, 1);
        assert.equal(flushes, 1);
        // a STORE that changes nothing publishes nothing and waits for no flush
        await appends.updateFlags(UpdateFlags.request.parse({ accountId, mailboxId: res.mailboxId, uids: [[1, 1]], mode: 'add', flags: [] }));
        assert.equal(flushes, 1);
      } finally {
        h.bus.ping = ping;
      }
      assert.equal(statements.length, 2, statements.map((s) => s.slice(0, 60)).join(' | '));
    });

    it('runs a STORE and an EXPUNGE in ONE statement each, with no transaction around them (ADR 0074)', async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      const a = await appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await message('kept')) }));
      const b = await appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await message('expunged')), flags: ['\\Deleted'] }));
      const ref = { accountId, mailboxId: a.mailboxId };
      statements.length = 0;
      await appends.updateFlags(UpdateFlags.request.parse({ ...ref, uids: [[a.uid, b.uid]], mode: 'add', flags: ['\\Seen'] }));
      assert.deepEqual(await appends.expungeMessages(ExpungeMessages.request.parse({ ...ref, uids: [[a.uid, b.uid]] })), { expunged: [b.uid], highestModseq: b.modseq + 2 });
      // nothing left to expunge: the same MODSEQ answered, nothing written
      assert.deepEqual(await appends.expungeMessages(ExpungeMessages.request.parse(ref)), { expunged: [], highestModseq: b.modseq + 2 });
      assert.equal(statements.length, 3, statements.map((s) => s.slice(0, 60)).join(' | '));
      const status = await h.bus.request(MailboxStatus, { accountId, name: 'INBOX' });
      assert.deepEqual([status.messages, status.unseen], [1, 0], 'the counters followed');
      await assert.rejects(
        appends.expungeMessages(ExpungeMessages.request.parse({ accountId: randomUUID(), mailboxId: a.mailboxId })),
        (err: unknown) => err instanceof ContractError && err.code === 'NOT_FOUND',
      );
    });

    it("answers the store's errors: a missing mailbox, a full account, MULTIAPPEND all or none", async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      await assert.rejects(
        appends.appendMessage(AppendMessage.request.parse({ accountId, mailbox: 'Nowhere', ...(await message('lost')) })),
        (err: unknown) => err instanceof ContractError && err.code === 'NOT_FOUND',
      );
      const big = 'x'.repeat(QUOTA);
      await assert.rejects(
        appends.appendMessage(AppendMessage.request.parse({ accountId, ...(await message('too big', big)) })),
        (err: unknown) => err instanceof ContractError && err.code === 'OVER_QUOTA',
      );
      await assert.rejects(
        appends.appendAll({ accountId, mailbox: 'INBOX', messages: [{ ...(await message('fits')), flags: [] }, { ...(await message('does not', big)), flags: [] }] }),
        (err: unknown) => err instanceof ContractError && err.code === 'OVER_QUOTA',
      );
      assert.equal((await h.bus.request(MailboxStatus, { accountId, name: 'INBOX' })).messages, 0, 'nothing of the refused MULTIAPPEND was kept');
      const both = await appends.appendAll({ accountId, mailbox: 'INBOX', messages: [{ ...(await message('one')), flags: [] }, { ...(await message('two')), flags: [] }] });
      assert.deepEqual(both.results.map((r) => r.uid), [1, 2]);
    });
  });
}

appendsSuite('PGlite', inMemoryPglite);
const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) appendsSuite('PostgreSQL', () => freshPostgres(pgUrl));
