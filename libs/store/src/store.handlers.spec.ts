import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AppendMessage,
  AppendMessages,
  ContractError,
  CopyMessages,
  CreateMailbox,
  DeleteMailbox,
  ExpungeMessages,
  FetchMessages,
  GetAccountUsage,
  ListMailboxes,
  MailboxChanged,
  MailboxChanges,
  MailboxStatus,
  MessageSortKeys,
  OpenMailbox,
  PurgeAccount,
  RenameMailbox,
  SearchMessages,
  StorePing,
  SubscribeMailbox,
  SubscriptionChanged,
  UpdateFlags,
  VanishedMessages,
  GetMetadata,
  SetMetadata,
  encodeCarriedIndex,
  type EventOf,
  type SearchCriterion,
} from '@mail/contracts';
import { indexMessageBuffer } from '@mail/mime';
import { TombstonePruner } from './tombstone-pruner.js';
import { AppendRepository } from './append.repository.js';
import { freshPostgres, inMemoryPglite, rawMessage, startStore, type OpenedDatabase, type StoreHarness } from './store-test-harness.js';

const rejectsWith = (p: Promise<unknown>, code: string) => assert.rejects(p, (err: unknown) => err instanceof ContractError && err.code === code);
const QUOTA = 200_000;

/**
 * The items each call of one of the repository's batch statements writes, for the rest of the
 * suite (the one-by-one path never calls them).
 */
function itemsPerStatement(name: 'appendGroup' | 'appendAcross'): number[] {
  const proto = AppendRepository.prototype as unknown as Record<string, (this: AppendRepository, q: unknown, g: { items: unknown[] }) => unknown>;
  const original = proto[name];
  const calls: number[] = [];
  proto[name] = function (q, g) {
    calls.push(g.items.length);
    return original.call(this, q, g);
  };
  after(() => void (proto[name] = original));
  return calls;
}

function storeSuite(name: string, open: () => Promise<OpenedDatabase>) {
  describe(`store over the bus (${name})`, () => {
    let h: StoreHarness;
    before(async () => {
      h = await startStore(await open(), { defaultQuotaBytes: QUOTA });
    });
    after(async () => h?.close());

    const append = async (accountId: string, raw: string, extra: Partial<Parameters<typeof h.bus.request<typeof AppendMessage>>[1]> = {}) => {
      const blobKey = await h.put(raw);
      return h.bus.request(AppendMessage, { accountId, blobKey, size: Buffer.byteLength(raw), ...extra });
    };
    const inbox = async (accountId: string) => h.bus.request(MailboxStatus, { accountId, name: 'INBOX' });
    const search = async (accountId: string, mailboxId: string, criteria: SearchCriterion) =>
      (await h.bus.request(SearchMessages, { accountId, mailboxId, criteria })).uids;

    it('answers ping and creates INBOX and the special-use set on first use', async () => {
      assert.deepEqual(await h.bus.request(StorePing, {}), { ok: true });
      const accountId = randomUUID();
      const { mailboxes } = await h.bus.request(ListMailboxes, { accountId });
      assert.deepEqual(
        mailboxes.map((m) => [m.name, m.specialUse]),
        [
          ['INBOX', null],
          ['Archive', '\\Archive'],
          ['Drafts', '\\Drafts'],
          ['Junk', '\\Junk'],
          ['Sent', '\\Sent'],
          ['Trash', '\\Trash'],
        ],
      );
      const again = await h.bus.request(ListMailboxes, { accountId });
      assert.equal(again.mailboxes.length, 6);
      assert.equal(new Set(mailboxes.map((m) => m.uidValidity)).size, 6, 'UIDVALIDITY differs per mailbox');
      // INBOX is case-insensitive
      assert.equal((await h.bus.request(MailboxStatus, { accountId, name: 'inbox' })).name, 'INBOX');
    });

    it('appends with increasing uid and modseq, keeps counters, and is idempotent per key', async () => {
      const accountId = randomUUID();
      const a = await append(accountId, rawMessage({ subject: 'first' }));
      const b = await append(accountId, rawMessage({ subject: 'second' }), { flags: ['\\seen'], idempotencyKey: 'q1:bob' });
      assert.equal(a.uid, 1);
      assert.equal(b.uid, 2);
      assert.equal(b.modseq, a.modseq + 1, 'each change takes the next modseq (IMAP sessions rely on it)');
      assert.equal(b.duplicate, false);
      assert.deepEqual(b.flags, ['\\Seen'], 'the flags as stored');
      // a retry with the same key (even with a new blob) returns the first result
      const retry = await append(accountId, rawMessage({ subject: 'second' }), { flags: ['\\Seen'], idempotencyKey: 'q1:bob' });
      const { flags: _stored, ...first } = b;
      assert.deepEqual(retry, { ...first, duplicate: true });
      // the key is per account
      const other = await append(randomUUID(), rawMessage(), { idempotencyKey: 'q1:bob' });
      assert.equal(other.duplicate, false);

      const status = await inbox(accountId);
      assert.equal(status.messages, 2);
      assert.equal(status.unseen, 1);
      assert.equal(status.uidNext, 3);
      assert.equal(status.highestModseq, b.modseq);
      assert.ok(status.sizeBytes > 0);
    });

    it('indexes a blob once when it is appended for several accounts', async () => {
      const blobKey = await h.put(rawMessage({ subject: 'to many' }));
      const [x, y] = [randomUUID(), randomUUID()];
      await h.bus.request(AppendMessage, { accountId: x, blobKey, size: 1 });
      await h.bus.request(AppendMessage, { accountId: y, blobKey, size: 1 });
      const { rows } = await h.db.query<{ n: number; refs: number }>('SELECT count(*)::int AS n, max(ref_count) AS refs FROM mail.message_indexes WHERE blob_key = $1', [blobKey]);
      assert.deepEqual(rows[0], { n: 1, refs: 2 });
      const status = await inbox(y);
      assert.equal(status.messages, 1);
    });

    it('uses the index carried with a message instead of reading its blob back, and reads the blob when the carried one is unusable', async () => {
      const accountId = randomUUID();
      const carry = (raw: string) => encodeCarriedIndex(indexMessageBuffer(Buffer.from(raw)));
      const subjects = async () => {
        const { id: mailboxId } = await inbox(accountId);
        const { messages } = await h.bus.request(FetchMessages, { accountId, mailboxId, uids: [[1, 100]], envelope: true });
        return messages.map((m) => m.envelope?.subject);
      };

      // carried: the blob is gone before the append, so reading it would fail
      const raw = rawMessage({ subject: 'carried' });
      const gone = await h.put(raw);
      await h.blobs.delete(gone);
      await h.bus.request(AppendMessage, { accountId, blobKey: gone, size: Buffer.byteLength(raw), index: carry(raw) });

      // in a batch, once per blob serves every item with that blob, whichever item carries it
      const batchRaw = rawMessage({ subject: 'batch carried' });
      const batchGone = await h.put(batchRaw);
      await h.blobs.delete(batchGone);
      const other = randomUUID();
      const { results } = await h.bus.request(AppendMessages, {
        items: [
          { accountId: other, blobKey: batchGone, size: Buffer.byteLength(batchRaw) },
          { accountId, blobKey: batchGone, size: Buffer.byteLength(batchRaw), index: carry(batchRaw) },
        ],
      });
      assert.deepEqual(results.map((r) => r.ok), [true, true]);

      // unusable: not JSON, not a MessageIndex, or describing other bytes: the blob is parsed
      await append(accountId, rawMessage({ subject: 'garbled' }), { index: '{"size": 1' });
      await append(accountId, rawMessage({ subject: 'not an index' }), { index: '{"size": 3}' });
      await append(accountId, rawMessage({ subject: 'mismatched' }), { index: carry(rawMessage({ subject: 'a much longer subject than the real one' })) });
      assert.deepEqual(await subjects(), ['carried', 'batch carried', 'garbled', 'not an index', 'mismatched']);
    });

    it('refuses an append to a missing blob or mailbox', async () => {
      const accountId = randomUUID();
      await rejectsWith(h.bus.request(AppendMessage, { accountId, blobKey: 'msg/none/there', size: 1 }), 'NOT_FOUND');
      await rejectsWith(append(accountId, rawMessage(), { mailbox: 'Nope' }), 'NOT_FOUND');
    });

    it('serialises concurrent appends: distinct ascending uids, one message per idempotency key', async () => {
      const accountId = randomUUID();
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => append(accountId, rawMessage({ subject: `c${i}` }))));
      assert.deepEqual(results.map((r) => r.uid).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
      const blobKey = await h.put(rawMessage());
      const same = await Promise.all(
        Array.from({ length: 5 }, () => h.bus.request(AppendMessage, { accountId, blobKey, size: 1, idempotencyKey: 'same-key' }).catch((e: ContractError) => e.code)),
      );
      const ok = same.filter((r) => typeof r !== 'string');
      assert.equal(new Set(ok.map((r) => (r as { uid: number }).uid)).size, 1, JSON.stringify(same));
      const status = await inbox(accountId);
      assert.equal(status.messages, 13);
    });

    it('appends a batch: item by item results in order, ascending uids per mailbox, one change event per mailbox', async () => {
      const [x, y] = [randomUUID(), randomUUID()];
      await h.bus.request(ListMailboxes, { accountId: x });
      await h.bus.request(ListMailboxes, { accountId: y });
      const events: Array<EventOf<typeof MailboxChanged>> = [];
      const subs = await Promise.all([x, y].map((a) => h.bus.subscribe(MailboxChanged, (e) => void events.push(e), a)));
      try {
        const keys = await Promise.all([1, 2, 3].map((i) => h.put(rawMessage({ subject: `batch ${i}` }))));
        const { results } = await h.bus.request(AppendMessages, {
          items: [
            { accountId: x, blobKey: keys[0], size: 1, idempotencyKey: 'b1' },
            { accountId: y, blobKey: keys[0], size: 1, idempotencyKey: 'b2' },
            { accountId: x, blobKey: 'msg/none/there', size: 1 },
            { accountId: x, blobKey: keys[1], size: 1, idempotencyKey: 'b3' },
            { accountId: x, blobKey: keys[2], size: 1, mailbox: 'Nope' },
            { accountId: x, blobKey: keys[0], size: 1, idempotencyKey: 'b1' },
          ],
        });
        assert.deepEqual(
          results.map((r) => (r.ok ? [r.result.uid, r.result.duplicate] : r.code)),
          [[1, false], [1, false], 'NOT_FOUND', [2, false], 'NOT_FOUND', [1, true]],
        );
        for (let i = 0; i < 50 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(events.map((e) => [e.accountId === x ? 'x' : 'y', e.kind, e.uids]).sort(), [['x', 'appended', [1, 2]], ['y', 'appended', [1]]]);
      } finally {
        await Promise.all(subs.map((s) => s.unsubscribe()));
      }
    });

    it('reads the contexts of a batch together and still decides each item as if alone', async () => {
      const [fresh, dup, shared, full, plain] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      // dup: the key was used by an earlier delivery; shared: its blob is indexed already (another account); full: over quota
      const earlier = await append(dup, rawMessage({ subject: 'earlier' }), { idempotencyKey: 'k-dup' });
      const sharedBlob = await h.put(rawMessage({ subject: 'shared' }));
      await h.bus.request(AppendMessage, { accountId: randomUUID(), blobKey: sharedBlob, size: 1 });
      await append(full, rawMessage({ body: 'y'.repeat(QUOTA / 2 + 10) }));
      const keys = await Promise.all(['fresh', 'dup retry', 'too big', 'plain'].map((subject) => h.put(rawMessage({ subject, body: subject === 'too big' ? 'y'.repeat(QUOTA / 2 + 10) : 'b' }))));
      const { results } = await h.bus.request(AppendMessages, {
        items: [
          { accountId: fresh, blobKey: keys[0], size: 1, idempotencyKey: 'k-fresh' },
          { accountId: dup, blobKey: keys[1], size: 1, idempotencyKey: 'k-dup' },
          { accountId: shared, blobKey: sharedBlob, size: 1, idempotencyKey: 'k-shared' },
          { accountId: full, blobKey: keys[2], size: 1, idempotencyKey: 'k-full' },
          { accountId: plain, blobKey: keys[3], size: 1 },
          // a second item of an account already in the batch reads its own context, after the first one's append
          { accountId: plain, blobKey: keys[0], size: 1 },
        ],
      });
      assert.deepEqual(
        results.map((r) => (r.ok ? [r.result.uid, r.result.duplicate] : r.code)),
        [[1, false], [earlier.uid, true], [1, false], 'OVER_QUOTA', [1, false], [2, false]],
      );
      const { rows } = await h.db.query<{ refs: number }>('SELECT ref_count AS refs FROM mail.message_indexes WHERE blob_key = $1', [sharedBlob]);
      assert.equal(Number(rows[0].refs), 2, 'the existing index row was shared');
      assert.equal((await inbox(fresh)).messages, 1, 'a new account got its mailboxes on the way');
      assert.equal((await inbox(plain)).messages, 2);
    });

    it('a rename event names the old name; subscribing publishes a subscription change (IMAP NOTIFY, ADR 0064)', async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      await h.bus.request(CreateMailbox, { accountId, name: 'Old/Child', subscribed: false });
      const events: Array<EventOf<typeof MailboxChanged>> = [];
      const subscriptions: Array<EventOf<typeof SubscriptionChanged>> = [];
      const subs = [await h.bus.subscribe(MailboxChanged, (e) => void events.push(e), accountId), await h.bus.subscribe(SubscriptionChanged, (e) => void subscriptions.push(e), accountId)];
      try {
        await h.bus.request(RenameMailbox, { accountId, name: 'Old', newName: 'New' });
        await h.bus.request(SubscribeMailbox, { accountId, name: 'New/Child', subscribed: true });
        await h.bus.request(SubscribeMailbox, { accountId, name: 'Nowhere', subscribed: false });
        for (let i = 0; i < 50 && (events.length < 2 || subscriptions.length < 2); i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(events.map((e) => [e.kind, e.mailbox, e.oldName]).sort(), [['renamed', 'New', 'Old'], ['renamed', 'New/Child', 'Old/Child']]);
        assert.deepEqual(subscriptions, [{ accountId, name: 'New/Child', subscribed: true }, { accountId, name: 'Nowhere', subscribed: false }]);
      } finally {
        await Promise.all(subs.map((s) => s.unsubscribe()));
      }
    });

    it('appends a batch to one mailbox in one statement, and reruns it item by item when one item fails (ADR 0043, 0053)', async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      const groups = itemsPerStatement('appendGroup');
      const item = async (subject: string, extra: Record<string, unknown> = {}) => {
        const raw = rawMessage({ subject, extraHeaders: [`References: <Ref-${subject.replace(/\W/g, '')}@Example.org>`] });
        return { accountId, blobKey: await h.put(raw), size: Buffer.byteLength(raw), index: encodeCarriedIndex(indexMessageBuffer(Buffer.from(raw))), ...extra };
      };
      const events: Array<EventOf<typeof MailboxChanged>> = [];
      const sub = await h.bus.subscribe(MailboxChanged, (e) => void events.push(e), accountId);
      try {
        // together: ascending uids, a key repeated inside the batch is the first item's duplicate
        const first = await h.bus.request(AppendMessages, {
          items: [await item('g1', { idempotencyKey: 'g1' }), await item('g2', { idempotencyKey: 'g2' }), await item('g3', { idempotencyKey: 'g3' }), await item('g1 again', { idempotencyKey: 'g1' })],
        });
        assert.deepEqual(first.results.map((r) => (r.ok ? [r.result.uid, r.result.duplicate] : r.code)), [[1, false], [2, false], [3, false], [1, true]]);
        assert.deepEqual(groups, [3], 'three appends written by one statement, the repeated key not written');
        const { rows: written } = await h.db.query<{ subject: string; refs: string; headers: string[] }>(
          `SELECT x.hdr_subject AS subject, x.thread_references AS refs, x.headers FROM mail.messages m JOIN mail.message_indexes x ON x.id = m.index_id
            JOIN mail.mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = $1 ORDER BY m.uid`,
          [accountId],
        );
        assert.deepEqual(written.map((r) => [r.subject, r.refs]), [['g1', '<Ref-g1@Example.org>'], ['g2', '<Ref-g2@Example.org>'], ['g3', '<Ref-g3@Example.org>']], 'every index column as a single append writes it');
        assert.ok(written[0].headers.includes('subject: g1'));
        const modseqs = first.results.map((r) => (r.ok ? r.result.modseq : 0));
        assert.ok(modseqs[0] < modseqs[1] && modseqs[1] < modseqs[2] && modseqs[3] === modseqs[0], 'a block of modseqs in item order');
        // a key delivered before is answered from its earlier result, the rest of the group still written together
        const again = await h.bus.request(AppendMessages, { items: [await item('g2 retry', { idempotencyKey: 'g2' }), await item('g7', { idempotencyKey: 'g7' }), await item('g8', { idempotencyKey: 'g8' })] });
        assert.deepEqual(again.results.map((r) => (r.ok ? [r.result.uid, r.result.duplicate] : r.code)), [[2, true], [4, false], [5, false]]);
        assert.deepEqual(groups, [3, 2]);
        // one item over its quota: the group is rolled back and rerun one by one, the others still delivered
        const second = await h.bus.request(AppendMessages, {
          items: [await item('g4', { idempotencyKey: 'g4' }), await item('too big', { idempotencyKey: 'g5', quota: { bytes: 1, messages: null } }), await item('g6', { idempotencyKey: 'g6' })],
        });
        assert.deepEqual(second.results.map((r) => (r.ok ? [r.result.uid, r.result.duplicate] : r.code)), [[6, false], 'OVER_QUOTA', [7, false]]);
        assert.deepEqual(groups, [3, 2], 'over quota: one by one');
        const status = await inbox(accountId);
        assert.equal(status.messages, 7);
        assert.equal(status.unseen, 7);
        for (let i = 0; i < 50 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(events.map((e) => e.uids), [[1, 2, 3], [4, 5], [6, 7]]);
      } finally {
        await sub.unsubscribe();
      }
    });

    it('appends a batch spread over several mailboxes, one message each, in one statement (ADR 0059)', async () => {
      const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      for (const accountId of [a, b, c, d]) await h.bus.request(ListMailboxes, { accountId });
      await append(b, rawMessage({ subject: 'already there' }));
      const statements = itemsPerStatement('appendAcross');
      const item = async (accountId: string, subject: string, extra: Record<string, unknown> = {}) => {
        const raw = rawMessage({ subject });
        return { accountId, blobKey: await h.put(raw), size: Buffer.byteLength(raw), index: encodeCarriedIndex(indexMessageBuffer(Buffer.from(raw))), ...extra };
      };
      const events: Array<EventOf<typeof MailboxChanged>> = [];
      const subs = await Promise.all([a, b, c].map((x) => h.bus.subscribe(MailboxChanged, (e) => void events.push(e), x)));
      try {
        const batch = [
          await item(a, 'to a', { idempotencyKey: 'q1:a' }),
          await item(b, 'to b', { idempotencyKey: 'q1:b' }),
          await item(c, 'to c', { idempotencyKey: 'q1:c', flags: ['\\Seen'] }),
          // no index came with it: the store reads the blob, and never near the statement
          { ...(await item(d, 'to d', { idempotencyKey: 'q1:d' })), index: undefined },
        ];
        const first = await h.bus.request(AppendMessages, { items: batch });
        assert.deepEqual(first.results.map((r) => (r.ok ? [r.result.uid, r.result.duplicate] : r.code)), [[1, false], [2, false], [1, false], [1, false]]);
        assert.deepEqual(statements, [2], 'a and b together; c (other flags) and d (no index) alone');
        const { rows } = await h.db.query<{ account: string; subject: string; uid: string }>(
          `SELECT b.account_id AS account, x.hdr_subject AS subject, m.uid FROM mail.messages m JOIN mail.message_indexes x ON x.id = m.index_id
            JOIN mail.mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ANY($1::uuid[]) ORDER BY x.hdr_subject`,
          [[a, b, c, d]],
        );
        assert.deepEqual(rows.map((r) => [r.account, r.subject, Number(r.uid)]), [[b, 'already there', 1], [a, 'to a', 1], [b, 'to b', 2], [c, 'to c', 1], [d, 'to d', 1]]);
        const status = await inbox(b);
        assert.deepEqual([status.messages, status.unseen, status.uidNext], [2, 2, 3]);
        // the batch delivered again (a crash after the store committed): every item its earlier result, nothing written
        const again = await h.bus.request(AppendMessages, { items: batch });
        assert.deepEqual(again.results.map((r) => (r.ok ? [r.result.uid, r.result.duplicate] : r.code)), [[1, true], [2, true], [1, true], [1, true]]);
        assert.deepEqual(statements, [2]);
        assert.equal((await inbox(a)).messages, 1);
        for (let i = 0; i < 50 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(events.filter((e) => e.kind === 'appended').map((e) => [e.accountId === a ? 'a' : e.accountId === b ? 'b' : 'c', e.uids]).sort(), [['a', [1]], ['b', [2]], ['c', [1]]]);
      } finally {
        await Promise.all(subs.map((s) => s.unsubscribe()));
      }
    });

    it('pages OpenMailbox in uid order', async () => {
      const accountId = randomUUID();
      for (let i = 0; i < 5; i++) await append(accountId, rawMessage({ subject: `m${i}` }), { flags: i % 2 ? ['\\Flagged'] : [] });
      const p1 = await h.bus.request(OpenMailbox, { accountId, name: 'INBOX', limit: 2 });
      assert.deepEqual(p1.messages.map((m) => m.uid), [1, 2]);
      assert.equal(p1.more, true);
      assert.deepEqual(p1.messages[1].flags, ['\\Flagged']);
      assert.equal(p1.mailbox.messages, 5);
      const p2 = await h.bus.request(OpenMailbox, { accountId, name: 'INBOX', afterUid: 2, limit: 2 });
      assert.deepEqual(p2.messages.map((m) => m.uid), [3, 4]);
      const p3 = await h.bus.request(OpenMailbox, { accountId, name: 'INBOX', afterUid: 4, limit: 2 });
      assert.deepEqual(p3.messages.map((m) => m.uid), [5]);
      assert.equal(p3.more, false);
    });

    it('fetches metadata, and envelope and body structure only when asked', async () => {
      const accountId = randomUUID();
      for (let i = 0; i < 4; i++) await append(accountId, rawMessage({ subject: `fetch ${i}` }), { internalDate: '2024-05-06T07:08:09.000Z' });
      const { id: mailboxId } = await inbox(accountId);
      const plain = await h.bus.request(FetchMessages, { accountId, mailboxId, uids: [[1, 1], [3, 10]] });
      assert.deepEqual(plain.messages.map((m) => m.uid), [1, 3, 4]);
      assert.equal(plain.messages[0].envelope, undefined);
      assert.equal(plain.messages[0].internalDate, '2024-05-06T07:08:09.000Z');
      const { headerSize = 0, size, blobKey } = plain.messages[0];
      assert.ok(headerSize > 0 && headerSize < size);
      assert.ok(blobKey);

      // a FETCH that reads no bodies does without the blob key and header size
      const light = await h.bus.request(FetchMessages, { accountId, mailboxId, uids: [[1, 4]], imapEnvelope: true, bodyRefs: false });
      assert.deepEqual(light.messages.map((m) => m.uid), [1, 2, 3, 4]);
      assert.deepEqual(light.messages.map((m) => [m.blobKey, m.headerSize]), [[undefined, undefined], [undefined, undefined], [undefined, undefined], [undefined, undefined]]);
      assert.equal(light.messages[0].size, size);
      assert.ok(light.messages[0].imapEnvelope?.includes('"fetch 0"'));

      const full = await h.bus.request(FetchMessages, { accountId, mailboxId, uids: [[2, 4]], envelope: true, bodyStructure: true, limit: 2 });
      assert.deepEqual(full.messages.map((m) => m.uid), [2, 3]);
      assert.equal(full.more, true);
      assert.equal(full.messages[0].envelope?.subject, 'fetch 1');
      assert.equal(full.messages[0].envelope?.from?.[0].host, 'example.org');
      assert.equal(full.messages[0].body?.type.toLowerCase(), 'text');
      assert.equal(full.messages[0].body?.subtype.toLowerCase(), 'plain');
      assert.equal(full.messages[0].imapEnvelope, undefined);
    });

    it('serves the envelope in IMAP syntax as indexed, and renders it for rows indexed before it was kept', async () => {
      const accountId = randomUUID();
      for (let i = 0; i < 2; i++) await append(accountId, rawMessage({ subject: `imap "${i}"` }));
      const { id: mailboxId } = await inbox(accountId);
      const asIndexed = await h.bus.request(FetchMessages, { accountId, mailboxId, uids: [[1, 2]], imapEnvelope: true });
      assert.equal(asIndexed.messages[0].envelope, undefined);
      const rendered = asIndexed.messages.map((m) => m.imapEnvelope);
      assert.match(rendered[0] ?? '', /^\(".*" "imap \\"0\\"" \(\(.*"example\.org"\)\) /);

      // an index row from before migration 002 has no envelope_imap
      await h.db.query('UPDATE mail.message_indexes SET envelope_imap = NULL WHERE id IN (SELECT index_id FROM mail.messages WHERE mailbox_id = $1 AND uid = 2)', [mailboxId]);
      const legacy = await h.bus.request(FetchMessages, { accountId, mailboxId, uids: [[1, 2]], imapEnvelope: true });
      assert.deepEqual(legacy.messages.map((m) => m.imapEnvelope), rendered);
      assert.equal(legacy.messages[1].envelope, undefined);
    });

    it('searches headers, text, flags, uids, dates and sizes in SQL', async () => {
      const accountId = randomUUID();
      await append(accountId, rawMessage({ subject: 'Quarterly report', from: 'Carol <carol@corp.example>', body: 'The numbers\r\nare in.', date: 'Tue, 10 Jan 2023 09:00:00 +0000' }), {
        internalDate: '2023-01-10T09:00:00Z',
      });
      await append(accountId, rawMessage({ subject: 'Lunch?', body: 'Pizza at noon 100% sure_thing, été à Paris', extraHeaders: ['X-Priority: 1'] }), {
        flags: ['\\Seen', '$Important'],
        internalDate: '2023-02-01T23:59:59Z',
      });
      await append(accountId, rawMessage({ subject: 'big one', body: 'x'.repeat(5000) }), { flags: ['\\Seen'], internalDate: '2023-03-01T00:00:00Z' });
      const { id: mailboxId } = await inbox(accountId);
      const s = (c: SearchCriterion) => search(accountId, mailboxId, c);

      assert.deepEqual(await s({ op: 'all' }), [1, 2, 3]);
      assert.deepEqual(await s({ op: 'header', field: 'subject', value: 'REPORT' }), [1]);
      assert.deepEqual(await s({ op: 'header', field: 'from', value: 'carol@corp' }), [1]);
      assert.deepEqual(await s({ op: 'header', field: 'X-Priority', value: '1' }), [2]);
      assert.deepEqual(await s({ op: 'header', field: 'x-priority', value: '' }), [2]);
      assert.deepEqual(await s({ op: 'body', value: 'numbers' }), [1]);
      // a phrase matches across a line wrap, however the client spaced it
      assert.deepEqual(await s({ op: 'body', value: 'numbers are' }), [1]);
      assert.deepEqual(await s({ op: 'text', value: 'numbers \t are' }), [1]);
      // non-ASCII letters match across case too (stored and searched text lowered the same way)
      assert.deepEqual(await s({ op: 'body', value: 'ÉTÉ À PARIS' }), [2]);
      assert.deepEqual(await s({ op: 'header', field: 'subject', value: 'lunch?' }), [2]);
      assert.deepEqual(await s({ op: 'body', value: 'quarterly' }), [], 'BODY does not look at headers');
      assert.deepEqual(await s({ op: 'text', value: 'quarterly' }), [1]);
      // LIKE metacharacters in the value are literal
      assert.deepEqual(await s({ op: 'body', value: '100% sure_thing' }), [2]);
      assert.deepEqual(await s({ op: 'body', value: '%' }), [2]);
      assert.deepEqual(await s({ op: 'flag', flag: '\\seen', set: true }), [2, 3]);
      assert.deepEqual(await s({ op: 'flag', flag: '\\Seen', set: false }), [1]);
      assert.deepEqual(await s({ op: 'flag', flag: '$Important', set: true }), [2]);
      assert.deepEqual(await s({ op: 'flag', flag: '\\Recent', set: true }), []);
      assert.deepEqual(await s({ op: 'uid', ranges: [[2, 9]] }), [2, 3]);
      assert.deepEqual(await s({ op: 'not', of: { op: 'uid', ranges: [[2, 2]] } }), [1, 3]);
      assert.deepEqual(await s({ op: 'or', of: [{ op: 'uid', ranges: [[1, 1]] }, { op: 'flag', flag: '$Important', set: true }] }), [1, 2]);
      assert.deepEqual(
        await s({ op: 'and', of: [{ op: 'flag', flag: '\\Seen', set: true }, { op: 'not', of: { op: 'header', field: 'subject', value: 'lunch' } }] }),
        [3],
      );
      const many = Array.from({ length: 40 }, (_, i): [number, number] => [i * 2 + 1, i * 2 + 1]);
      assert.deepEqual(await s({ op: 'uid', ranges: many }), [1, 3]);
      assert.deepEqual(await s({ op: 'internaldate', cmp: 'on', date: '2023-02-01' }), [2]);
      assert.deepEqual(await s({ op: 'internaldate', cmp: 'before', date: '2023-02-01' }), [1]);
      assert.deepEqual(await s({ op: 'internaldate', cmp: 'since', date: '2023-02-01' }), [2, 3]);
      assert.deepEqual(await s({ op: 'sentdate', cmp: 'on', date: '2023-01-10' }), [1]);
      assert.deepEqual(await s({ op: 'size', cmp: 'larger', value: 4000 }), [3]);
      assert.deepEqual(await s({ op: 'size', cmp: 'smaller', value: 4000 }), [1, 2]);
      const r = await h.bus.request(SearchMessages, { accountId, mailboxId, criteria: { op: 'modseq', value: 0 } });
      assert.deepEqual(r.uids, [1, 2, 3]);
      assert.equal(r.highestModseq, (await inbox(accountId)).highestModseq);
    });

    it('updates flags with one modseq per command and honours UNCHANGEDSINCE', async () => {
      const accountId = randomUUID();
      for (let i = 0; i < 3; i++) await append(accountId, rawMessage());
      const box = await inbox(accountId);
      assert.equal(box.unseen, 3);
      const r1 = await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[1, 2]], mode: 'add', flags: ['\\Seen', 'Work'] });
      assert.deepEqual(r1.updated.map((u) => [u.uid, u.flags]), [
        [1, ['\\Seen', 'Work']],
        [2, ['\\Seen', 'Work']],
      ]);
      const m1 = r1.updated[0].modseq;
      assert.equal(r1.updated[1].modseq, m1);
      assert.equal(m1, box.highestModseq + 1);
      let status = await inbox(accountId);
      assert.equal(status.unseen, 1);
      assert.equal(status.highestModseq, m1);

      // nothing to change: no new modseq
      const noop = await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[1, 1]], mode: 'add', flags: ['\\Seen'] });
      assert.deepEqual(noop.updated, []);
      assert.equal((await inbox(accountId)).highestModseq, m1);

      // message 1 and 2 were modified at m1; with UNCHANGEDSINCE below that they conflict, 3 goes through
      const r2 = await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[1, 3]], mode: 'replace', flags: ['\\Flagged'], unchangedSince: m1 - 1 });
      assert.deepEqual(r2.conflicts, [1, 2]);
      assert.deepEqual(r2.updated.map((u) => [u.uid, u.flags]), [[3, ['\\Flagged']]]);
      const r3 = await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[1, 3]], mode: 'remove', flags: ['\\Seen'] });
      assert.deepEqual(r3.updated.map((u) => [u.uid, u.flags]), [
        [1, ['Work']],
        [2, ['Work']],
      ]);
      status = await inbox(accountId);
      assert.equal(status.unseen, 3);
    });

    it('reports changes since a modseq, including expunged uids, and collects unreferenced blobs', async () => {
      const accountId = randomUUID();
      const keys: string[] = [];
      for (let i = 0; i < 4; i++) {
        const raw = rawMessage({ subject: `c${i}` });
        const blobKey = await h.put(raw);
        keys.push(blobKey);
        await h.bus.request(AppendMessage, { accountId, blobKey, size: raw.length });
      }
      // blob of uid 2 is also in another account: it must survive the expunge
      await h.bus.request(AppendMessage, { accountId: randomUUID(), blobKey: keys[1], size: 1 });
      const box = await inbox(accountId);
      const since = box.highestModseq;
      await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[1, 3]], mode: 'add', flags: ['\\Deleted'] });
      await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[4, 4]], mode: 'add', flags: ['\\Answered'] });

      // POP3 style: exact uids, regardless of \Deleted
      const pop = await h.bus.request(ExpungeMessages, { accountId, mailboxId: box.id, uids: [[4, 4]], onlyDeleted: false });
      assert.deepEqual(pop.expunged, [4]);
      const ex = await h.bus.request(ExpungeMessages, { accountId, mailboxId: box.id, uids: [[1, 2]] });
      assert.deepEqual(ex.expunged, [1, 2]);
      assert.ok(ex.highestModseq > pop.highestModseq);

      const changes = await h.bus.request(MailboxChanges, { accountId, mailboxId: box.id, sinceModseq: since });
      assert.deepEqual(changes.changed.map((c) => [c.uid, c.flags]), [[3, ['\\Deleted']]]);
      assert.deepEqual(changes.expunged, [1, 2, 4]);
      assert.equal(changes.highestModseq, ex.highestModseq);
      assert.equal(changes.uidNext, 5);
      const later = await h.bus.request(MailboxChanges, { accountId, mailboxId: box.id, sinceModseq: pop.highestModseq });
      assert.deepEqual(later.expunged, [1, 2]);

      const status = await inbox(accountId);
      assert.equal(status.messages, 1);
      assert.equal(status.unseen, 1);
      assert.equal(await h.blobs.stat(keys[0]), null, 'last reference gone: blob deleted');
      assert.equal(await h.blobs.stat(keys[3]), null);
      assert.notEqual(await h.blobs.stat(keys[1]), null, 'still referenced by the other account');
      assert.notEqual(await h.blobs.stat(keys[2]), null, 'not expunged');
      const { rows } = await h.db.query('SELECT 1 FROM mail.message_indexes WHERE blob_key = $1', [keys[0]]);
      assert.equal(rows.length, 0);
    });

    it('copies and moves with a uid mapping, sharing the index row', async () => {
      const accountId = randomUUID();
      for (let i = 0; i < 3; i++) await append(accountId, rawMessage({ subject: `cp${i}` }), { flags: i === 0 ? ['\\Seen'] : [] });
      const box = await inbox(accountId);
      const work = await h.bus.request(CreateMailbox, { accountId, name: 'Work' });
      const copy = await h.bus.request(CopyMessages, { accountId, mailboxId: box.id, uids: [[1, 2]], target: 'Work' });
      assert.equal(copy.targetUidValidity, work.uidValidity);
      assert.deepEqual(copy.mapping, [
        [1, 1],
        [2, 2],
      ]);
      let w = await h.bus.request(MailboxStatus, { accountId, name: 'Work' });
      assert.deepEqual([w.messages, w.unseen, w.uidNext], [2, 1, 3]);
      const fetched = await h.bus.request(FetchMessages, { accountId, mailboxId: work.id, uids: [[1, 2]], envelope: true });
      assert.equal(fetched.messages[0].envelope?.subject, 'cp0');
      assert.deepEqual(fetched.messages[0].flags, ['\\Seen']);

      const move = await h.bus.request(CopyMessages, { accountId, mailboxId: box.id, uids: [[2, 3]], target: 'Work', move: true });
      assert.deepEqual(move.mapping, [
        [2, 3],
        [3, 4],
      ]);
      const i = await inbox(accountId);
      assert.deepEqual([i.messages, i.unseen], [1, 0]);
      w = await h.bus.request(MailboxStatus, { accountId, name: 'Work' });
      assert.deepEqual([w.messages, w.unseen], [4, 3]);
      const changes = await h.bus.request(MailboxChanges, { accountId, mailboxId: box.id, sinceModseq: box.highestModseq });
      assert.deepEqual(changes.expunged, [2, 3]);

      // the blob is referenced from INBOX (uid 1) and Work (1, 2 from copy; 3, 4 moved)
      const { rows } = await h.db.query<{ refs: number }>(
        `SELECT sum(i.ref_count)::int AS refs FROM mail.message_indexes i WHERE i.id IN (SELECT index_id FROM mail.messages WHERE mailbox_id = ANY($1::uuid[]))`,
        [[box.id, work.id]],
      );
      assert.equal(rows[0].refs, 5);
      await rejectsWith(h.bus.request(CopyMessages, { accountId, mailboxId: box.id, uids: [[1, 1]], target: 'Missing' }), 'NOT_FOUND');
    });

    it('enforces the quota on append and copy', async () => {
      const accountId = randomUUID();
      const big = rawMessage({ body: 'y'.repeat(QUOTA / 2 + 10) });
      await append(accountId, big);
      await rejectsWith(append(accountId, big), 'OVER_QUOTA');
      const box = await inbox(accountId);
      await rejectsWith(h.bus.request(CopyMessages, { accountId, mailboxId: box.id, uids: [[1, 1]], target: 'Archive' }), 'OVER_QUOTA');
      // a move does not grow the account
      const moved = await h.bus.request(CopyMessages, { accountId, mailboxId: box.id, uids: [[1, 1]], target: 'Archive', move: true });
      assert.deepEqual(moved.mapping, [[1, 1]]);
      await append(accountId, rawMessage({ body: 'small' }));
    });

    it('enforces the limits delivery passes (bytes and messages), and keeps usage through append, copy, move, expunge and mailbox deletion', async () => {
      const accountId = randomUUID();
      const usage = async () => (await h.bus.request(GetAccountUsage, { accountIds: [accountId] })).accounts[0];
      assert.deepEqual(await usage(), { accountId, bytes: 0, messages: 0 }, 'an account never seen uses nothing');
      const msg = rawMessage({ body: 'hello' });
      const size = Buffer.byteLength(msg);
      await append(accountId, msg, { quota: { bytes: null, messages: 2 } });
      await append(accountId, msg, { quota: { bytes: null, messages: 2 } });
      await rejectsWith(append(accountId, msg, { quota: { bytes: null, messages: 2 } }), 'OVER_QUOTA');
      await rejectsWith(append(accountId, msg, { quota: { bytes: 2 * size + 10, messages: null } }), 'OVER_QUOTA');
      assert.deepEqual(await usage(), { accountId, bytes: 2 * size, messages: 2 });
      const box = await inbox(accountId);
      await h.bus.request(CopyMessages, { accountId, mailboxId: box.id, uids: [[1, 1]], target: 'Archive' });
      await h.bus.request(CopyMessages, { accountId, mailboxId: box.id, uids: [[2, 2]], target: 'Archive', move: true });
      // the directory's limit replaces the store's default (QUOTA here) when given
      await append(accountId, rawMessage({ body: 'y'.repeat(QUOTA) }), { quota: { bytes: 10 * QUOTA, messages: null } });
      let u = await usage();
      assert.equal(u.messages, 4);
      await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[3, 3]], mode: 'add', flags: ['\\Deleted'] });
      await h.bus.request(ExpungeMessages, { accountId, mailboxId: box.id, uids: [[3, 3]] });
      u = await usage();
      assert.deepEqual([u.messages, u.bytes], [3, 3 * size]);
      await h.bus.request(DeleteMailbox, { accountId, name: 'Archive' });
      u = await usage();
      assert.deepEqual([u.messages, u.bytes], [1, size]);
      const other = randomUUID();
      const both = await h.bus.request(GetAccountUsage, { accountIds: [accountId, other, accountId] });
      assert.deepEqual(both.accounts.map((a) => [a.accountId, a.messages]).sort(), [[accountId, 1], [other, 0]].sort());
    });

    it('creates, lists, subscribes, renames and deletes mailboxes', async () => {
      const accountId = randomUUID();
      const created = await h.bus.request(CreateMailbox, { accountId, name: 'Projects/2024/Q1' });
      assert.equal(created.name, 'Projects/2024/Q1');
      let names = (await h.bus.request(ListMailboxes, { accountId })).mailboxes.map((m) => m.name);
      assert.ok(names.includes('Projects') && names.includes('Projects/2024'));
      await rejectsWith(h.bus.request(CreateMailbox, { accountId, name: 'Projects' }), 'CONFLICT');
      await rejectsWith(h.bus.request(CreateMailbox, { accountId, name: 'inbox' }), 'CONFLICT');
      await rejectsWith(h.bus.request(CreateMailbox, { accountId, name: 'bad//name' }), 'INVALID');
      await rejectsWith(h.bus.request(CreateMailbox, { accountId, name: 'wild*' }), 'INVALID');
      const child = await h.bus.request(CreateMailbox, { accountId, name: 'inbox/Child' });
      assert.equal(child.name, 'INBOX/Child');

      assert.deepEqual(await h.bus.request(SubscribeMailbox, { accountId, name: 'Projects', subscribed: false }), { subscribed: false });
      assert.equal((await h.bus.request(MailboxStatus, { accountId, name: 'Projects' })).subscribed, false);

      await append(accountId, rawMessage(), { mailbox: 'Projects/2024' });
      const before = await h.bus.request(MailboxStatus, { accountId, name: 'Projects/2024' });
      const renamed = await h.bus.request(RenameMailbox, { accountId, name: 'Projects', newName: 'Old/Projects' });
      assert.equal(renamed.name, 'Old/Projects');
      names = (await h.bus.request(ListMailboxes, { accountId })).mailboxes.map((m) => m.name);
      assert.ok(['Old', 'Old/Projects', 'Old/Projects/2024', 'Old/Projects/2024/Q1'].every((n) => names.includes(n)));
      assert.ok(!names.some((n) => n.startsWith('Projects')));
      const after2024 = await h.bus.request(MailboxStatus, { accountId, name: 'Old/Projects/2024' });
      assert.deepEqual([after2024.id, after2024.uidValidity, after2024.messages], [before.id, before.uidValidity, 1]);
      await rejectsWith(h.bus.request(RenameMailbox, { accountId, name: 'INBOX', newName: 'Elsewhere' }), 'INVALID');
      await rejectsWith(h.bus.request(RenameMailbox, { accountId, name: 'Sent', newName: 'Drafts' }), 'CONFLICT');
      await rejectsWith(h.bus.request(RenameMailbox, { accountId, name: 'Nope', newName: 'Other' }), 'NOT_FOUND');
      await rejectsWith(h.bus.request(RenameMailbox, { accountId, name: 'Old', newName: 'Old/Sub' }), 'INVALID');

      await rejectsWith(h.bus.request(DeleteMailbox, { accountId, name: 'Old/Projects' }), 'INVALID');
      await rejectsWith(h.bus.request(DeleteMailbox, { accountId, name: 'INBOX' }), 'INVALID');
      await h.bus.request(DeleteMailbox, { accountId, name: 'Old/Projects/2024/Q1' });
      const key = (await h.db.query<{ blob_key: string }>('SELECT blob_key FROM mail.messages WHERE mailbox_id = $1', [before.id])).rows[0].blob_key;
      await h.bus.request(DeleteMailbox, { accountId, name: 'Old/Projects/2024' });
      assert.equal(await h.blobs.stat(key), null, 'its messages went with it');
      await rejectsWith(h.bus.request(MailboxStatus, { accountId, name: 'Old/Projects/2024' }), 'NOT_FOUND');
      // a recreated mailbox gets a new UIDVALIDITY
      const again = await h.bus.request(CreateMailbox, { accountId, name: 'Old/Projects/2024' });
      assert.ok(again.uidValidity > before.uidValidity);
    });

    it('gives each message as \\Recent to exactly one claimer, however many ask at once; peeking takes nothing', async () => {
      const accountId = randomUUID();
      for (let i = 0; i < 3; i++) await append(accountId, rawMessage({ subject: `r${i}` }));
      assert.equal((await inbox(accountId)).recent, 3);
      const peek = await h.bus.request(OpenMailbox, { accountId, name: 'INBOX', recent: 'peek' });
      assert.deepEqual(peek.recent, { after: 0, upTo: 3 });
      const claims = await Promise.all([0, 1, 2, 3].map(() => h.bus.request(OpenMailbox, { accountId, name: 'INBOX', recent: 'claim' })));
      const got = claims.map((c) => c.recent!).filter((r) => r.upTo > r.after);
      assert.deepEqual(got, [{ after: 0, upTo: 3 }], 'one claimer took all three');
      assert.equal((await inbox(accountId)).recent, 0);
      await append(accountId, rawMessage({ subject: 'r3' }));
      await append(accountId, rawMessage({ subject: 'r4' }));
      const box = await inbox(accountId);
      assert.equal(box.recent, 2);
      const changes = await Promise.all([0, 1, 2].map(() => h.bus.request(MailboxChanges, { accountId, mailboxId: box.id, sinceModseq: 0, recent: 'claim' })));
      assert.deepEqual(changes.map((c) => c.recent!).filter((r) => r.upTo > r.after), [{ after: 3, upTo: 5 }]);
      const plain = await h.bus.request(MailboxChanges, { accountId, mailboxId: box.id, sinceModseq: 0 });
      assert.equal(plain.recent, undefined, 'an IMAP4rev2 session asks nothing about \\Recent');
      // an append that claims (an IMAP4rev1 session's own APPEND to its selected mailbox) takes what is left with it
      await append(accountId, rawMessage({ subject: 'r5' }));
      const own = await append(accountId, rawMessage({ subject: 'r6' }), { recent: 'claim' });
      assert.deepEqual(own.recent, { after: 5, upTo: 7 });
      assert.equal((await inbox(accountId)).recent, 0);
      assert.equal((await append(accountId, rawMessage({ subject: 'r7' }))).recent, undefined, 'no claim asked, none made');
      assert.equal((await inbox(accountId)).recent, 1);
      // from the mailbox's own MODSEQ (an IDLE session that took the arrival from its event): nothing to load, the claim still made
      const now = await inbox(accountId);
      const idle = await h.bus.request(MailboxChanges, { accountId, mailboxId: now.id, sinceModseq: now.highestModseq, recent: 'claim' });
      assert.deepEqual([idle.changed, idle.expunged, idle.recent], [[], [], { after: 7, upTo: 8 }]);
      const behind = await h.bus.request(MailboxChanges, { accountId, mailboxId: now.id, sinceModseq: now.highestModseq - 1 });
      assert.deepEqual(behind.changed.map((m) => m.uid), [8]);
      const again = await h.bus.request(MailboxChanges, { accountId, mailboxId: now.id, sinceModseq: now.highestModseq, recent: 'claim' });
      assert.deepEqual([again.recent, again.uidNext, again.highestModseq], [{ after: 8, upTo: 8 }, 9, now.highestModseq], 'nothing left: the empty range at the watermark, and the row');
      await append(accountId, rawMessage({ subject: 'r8' }));
      await rejectsWith(h.bus.request(MailboxChanges, { accountId: randomUUID(), mailboxId: now.id, sinceModseq: 0, recent: 'claim' }), 'NOT_FOUND');
      assert.equal((await inbox(accountId)).recent, 1, "another account's claim took nothing");
      await h.bus.request(MailboxChanges, { accountId, mailboxId: now.id, sinceModseq: 0, recent: 'claim' });
      // appends claiming in their own statement, racing each other and a changes claimer: every UID once
      const racing = await Promise.all([
        ...[0, 1, 2, 3].map((i) => append(accountId, rawMessage({ subject: `c${i}` }), { recent: 'claim' })),
        h.bus.request(MailboxChanges, { accountId, mailboxId: now.id, sinceModseq: 0, recent: 'claim' }),
      ]);
      const taken = racing.map((r) => r.recent!).filter((r) => r.upTo > r.after).sort((x, y) => x.after - y.after);
      assert.equal(taken[0]!.after, 9);
      for (let i = 1; i < taken.length; i++) assert.equal(taken[i]!.after, taken[i - 1]!.upTo, 'claims neither overlap nor leave a gap');
      assert.equal(taken[taken.length - 1]!.upTo, 13);
      assert.equal((await inbox(accountId)).recent, 0);
    });

    it('claims \\Recent for several mailboxes asked at once (one statement, ADR 0071): each its own range, a stranger NOT_FOUND', async () => {
      const accounts = [randomUUID(), randomUUID(), randomUUID()];
      for (const [i, accountId] of accounts.entries()) for (let k = 0; k <= i; k++) await append(accountId, rawMessage({ subject: `m${i}.${k}` }));
      const boxes = await Promise.all(accounts.map((a) => inbox(a)));
      const asked = await Promise.allSettled([
        ...accounts.map((accountId, i) => h.bus.request(MailboxChanges, { accountId, mailboxId: boxes[i]!.id, sinceModseq: boxes[i]!.highestModseq, recent: 'claim' })),
        h.bus.request(MailboxChanges, { accountId: accounts[0]!, mailboxId: boxes[1]!.id, sinceModseq: 0, recent: 'claim' }),
        h.bus.request(MailboxChanges, { accountId: accounts[2]!, mailboxId: boxes[2]!.id, sinceModseq: 0, recent: 'claim' }),
      ]);
      const ok = asked.map((a) => (a.status === 'fulfilled' ? a.value : null));
      assert.deepEqual(ok.slice(0, 3).map((c) => [c?.recent, c?.uidNext]), [[{ after: 0, upTo: 1 }, 2], [{ after: 0, upTo: 2 }, 3], [{ after: 0, upTo: 3 }, 4]]);
      assert.equal(asked[3]!.status, 'rejected', "another account's mailbox is not found, and fails only that caller");
      assert.deepEqual(ok[4]?.recent, { after: 3, upTo: 3 }, 'the second claim of one mailbox in the same batch takes nothing');
      for (const a of accounts) assert.equal((await inbox(a)).recent, 0);
    });

    it('answers THREAD keys with References as written; a row indexed before that answers them lowercased and says so', async () => {
      const accountId = randomUUID();
      await append(accountId, rawMessage({ subject: 'Re: x', extraHeaders: ['References: <Root@Example.ORG>', '  <Mid@x>'] }));
      const box = await inbox(accountId);
      const keys = async () => (await h.bus.request(MessageSortKeys, { accountId, mailboxId: box.id, criteria: { op: 'all' }, references: true })).messages[0]!;
      const now = await keys();
      assert.equal(now.references, '<Root@Example.ORG> <Mid@x>');
      assert.equal(now.referencesFolded, undefined);
      await h.db.query('UPDATE mail.message_indexes SET thread_references = NULL WHERE id = (SELECT index_id FROM mail.messages WHERE mailbox_id = $1)', [box.id]);
      const legacy = await keys();
      assert.match(legacy.references ?? '', /^<root@example.org> +<mid@x>$/);
      assert.equal(legacy.referencesFolded, true);
    });

    it('never lets one account reach another account’s mailboxes', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      await append(b, rawMessage({ subject: 'secret' }));
      const bBox = await inbox(b);
      const mailboxId = bBox.id;
      await rejectsWith(h.bus.request(FetchMessages, { accountId: a, mailboxId, uids: [[1, 10]] }), 'NOT_FOUND');
      await rejectsWith(h.bus.request(SearchMessages, { accountId: a, mailboxId, criteria: { op: 'all' } }), 'NOT_FOUND');
      await rejectsWith(h.bus.request(MailboxChanges, { accountId: a, mailboxId, sinceModseq: 0 }), 'NOT_FOUND');
      await rejectsWith(h.bus.request(UpdateFlags, { accountId: a, mailboxId, uids: [[1, 10]], mode: 'add', flags: ['\\Deleted'] }), 'NOT_FOUND');
      await rejectsWith(h.bus.request(ExpungeMessages, { accountId: a, mailboxId, onlyDeleted: false }), 'NOT_FOUND');
      await rejectsWith(h.bus.request(CopyMessages, { accountId: a, mailboxId, uids: [[1, 10]], target: 'INBOX' }), 'NOT_FOUND');
      const aBox = await inbox(a);
      // nor copy into B's mailbox by naming it: names resolve within A
      await rejectsWith(h.bus.request(CopyMessages, { accountId: b, mailboxId: aBox.id, uids: [[1, 10]], target: 'INBOX' }), 'NOT_FOUND');
      const after = await inbox(b);
      assert.deepEqual([after.messages, after.highestModseq], [1, bBox.highestModseq]);
    });

    it('publishes change events after the change committed, to the account only', async () => {
      const accountId = randomUUID();
      await h.bus.request(ListMailboxes, { accountId });
      const seen: Array<{ event: EventOf<typeof MailboxChanged>; visible: number }> = [];
      let wake: () => void = () => undefined;
      const sub = await h.bus.subscribe(
        MailboxChanged,
        async (event) => {
          // what a session does on an event: look at the change; it must be committed already
          const { rows } = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mail.messages WHERE mailbox_id = $1', [event.mailboxId]);
          seen.push({ event, visible: rows[0].n });
          wake();
        },
        accountId,
      );
      let foreign = 0;
      const other = await h.bus.subscribe(MailboxChanged, () => void foreign++, randomUUID());
      const events = (n: number) =>
        new Promise<void>((resolve) => {
          wake = () => seen.length >= n && resolve();
          wake();
        });
      try {
        const r = await append(accountId, rawMessage());
        await events(1);
        await h.bus.request(UpdateFlags, { accountId, mailboxId: r.mailboxId, uids: [[1, 1]], mode: 'add', flags: ['\\Deleted'] });
        await events(2);
        await h.bus.request(ExpungeMessages, { accountId, mailboxId: r.mailboxId });
        await events(3);
        await h.bus.request(CreateMailbox, { accountId, name: 'Evented' });
        await events(4);
        assert.deepEqual(
          seen.map((s) => [s.event.kind, s.event.mailbox, s.event.uids]),
          [
            ['appended', 'INBOX', [1]],
            ['flags', 'INBOX', [1]],
            ['expunged', 'INBOX', [1]],
            ['created', 'Evented', []],
          ],
        );
        assert.equal(seen[0].visible, 1, 'the appended message was visible when the event arrived');
        assert.equal(seen[0].event.modseq, r.modseq);
        assert.equal(seen[2].visible, 0);
        assert.equal(foreign, 0);
      } finally {
        await sub.unsubscribe();
        await other.unsubscribe();
      }
    });

    it('gives every message its owner\'s thread (THREADID, ADR 0066): by shared ids and base subject, on each append path, kept by COPY', async () => {
      const carry = (raw: string) => encodeCarriedIndex(indexMessageBuffer(Buffer.from(raw)));
      const msg = (id: string, subject: string, refs: string[] = []) =>
        rawMessage({ subject, extraHeaders: [`X-Id: ${id}`, ...(refs.length ? [`In-Reply-To: ${refs[refs.length - 1]}`, `References: ${refs.join(' ')}`] : [])] }).replace(/^Message-ID: .*$/m, `Message-ID: ${id}`);
      const threads = async (accountId: string, mailbox = 'INBOX') => {
        const { id: mailboxId } = await h.bus.request(MailboxStatus, { accountId, name: mailbox });
        const { messages } = await h.bus.request(FetchMessages, { accountId, mailboxId, uids: [[1, 1000]], objectIds: true });
        return { mailboxId, ids: messages.map((m) => m.threadId as string) };
      };
      const tag = randomUUID().slice(0, 8);
      const id = (n: string) => `<${n}.${tag}@example.org>`;
      const alice = randomUUID();
      // one by one: a root, a reply, a reply whose subject starts a new conversation, a message
      // with no ids at all, a reply that arrives before its parent, then the parent
      await append(alice, msg(id('a'), 'Plan'));
      await append(alice, msg(id('b'), 'Re: Plan', [id('a')]));
      await append(alice, msg(id('c'), 'Something else', [id('a'), id('b')]));
      await append(alice, rawMessage({ subject: 'Plan' }).replace(/^Message-ID: .*\r\n/m, ''));
      await append(alice, msg(id('e'), 'RE: [list] Fwd: plan', [id('d')]));
      await append(alice, msg(id('d'), 'plan  '));
      const one = await threads(alice);
      assert.ok(one.ids.every((t) => /^T[0-9a-f]{32}$/.test(t)), one.ids.join(' '));
      const [a, b, c, lone, e, d] = one.ids;
      assert.equal(b, a, 'a reply with the same base subject joins its parent');
      assert.notEqual(c, a, 'a changed subject starts a new thread');
      assert.notEqual(lone, a, 'no ids: a thread of its own, whatever the subject');
      assert.notEqual(e, a, 'ids decide first: the same subject without a shared id is another thread');
      assert.equal(d, e, 'a parent that arrives after its reply joins the reply\'s thread');

      // SEARCH THREADID finds the thread's messages; another owner's id or garbage finds nothing
      assert.deepEqual(await search(alice, one.mailboxId, { op: 'threadid', id: a }), [1, 2]);
      assert.deepEqual(await search(alice, one.mailboxId, { op: 'threadid', id: 'T0123' }), []);

      // COPY and MOVE keep the thread
      await h.bus.request(CreateMailbox, { accountId: alice, name: 'Kept' });
      await h.bus.request(CopyMessages, { accountId: alice, mailboxId: one.mailboxId, uids: [[2, 2]], target: 'Kept' });
      await h.bus.request(CopyMessages, { accountId: alice, mailboxId: one.mailboxId, uids: [[5, 5]], target: 'Kept', move: true });
      assert.deepEqual((await threads(alice, 'Kept')).ids, [a, e]);
      // a later reply in another mailbox of the owner joins the thread there too
      await append(alice, msg(id('f'), 'Re: Plan', [id('a'), id('b')]), { mailbox: 'Kept' });
      assert.equal((await threads(alice, 'Kept')).ids[2], a);

      // another owner with the same messages: threads of its own, ids unrelated to alice's
      const bob = randomUUID();
      await append(bob, msg(id('a'), 'Plan'));
      await append(bob, msg(id('b'), 'Re: Plan', [id('a')]));
      const bobs = await threads(bob);
      assert.equal(bobs.ids[0], bobs.ids[1]);
      assert.notEqual(bobs.ids[0], a);
      assert.deepEqual(await search(bob, bobs.mailboxId, { op: 'threadid', id: a }), [], 'alice\'s THREADID means nothing in bob\'s mailboxes');

      // a delivery batch: a parent and its reply to one mailbox in one statement (a group) are
      // linked with each other; one message each to several owners (across) joins each owner's thread
      const carol = randomUUID();
      const dave = randomUUID();
      await append(dave, msg(id('g'), 'Lunch'));
      await h.bus.request(ListMailboxes, { accountId: carol });
      const groups = itemsPerStatement('appendGroup');
      const acrosses = itemsPerStatement('appendAcross');
      const item = async (accountId: string, raw: string) => ({ accountId, blobKey: await h.put(raw), size: Buffer.byteLength(raw), index: carry(raw) });
      const batch = await h.bus.request(AppendMessages, {
        items: [await item(carol, msg(id('g'), 'Lunch')), await item(carol, msg(id('h'), 'Other')), await item(carol, msg(id('i'), 'Re: Lunch', [id('g')]))],
      });
      assert.ok(batch.results.every((r) => r.ok));
      assert.ok(groups.includes(3), 'the three went in one group statement');
      const carols = (await threads(carol)).ids;
      assert.equal(carols[2], carols[0], 'linked within the group');
      assert.notEqual(carols[1], carols[0]);
      const across = await h.bus.request(AppendMessages, { items: [await item(dave, msg(id('j'), 'Re: Lunch', [id('g')])), await item(alice, msg(id('k'), 'Re: Plan', [id('b')]))] });
      assert.ok(across.results.every((r) => r.ok));
      assert.ok(acrosses.includes(2), 'one message each to two owners went in one statement');
      const daves = (await threads(dave)).ids;
      assert.equal(daves[1], daves[0]);
      assert.equal((await threads(alice)).ids.at(-1), a);
    });

    it('purges an account', async () => {
      const accountId = randomUUID();
      const raw = rawMessage();
      const blobKey = await h.put(raw);
      await h.bus.request(AppendMessage, { accountId, blobKey, size: raw.length });
      await append(accountId, rawMessage());
      await h.bus.request(CreateMailbox, { accountId, name: 'Keep' });
      assert.deepEqual(await h.bus.request(PurgeAccount, { accountId }), { messages: 2 });
      assert.equal(await h.blobs.stat(blobKey), null);
      const { rows } = await h.db.query('SELECT 1 FROM mail.mailboxes WHERE account_id = $1', [accountId]);
      assert.equal(rows.length, 0);
      // a purged account starts afresh if mail arrives again
      assert.equal((await h.bus.request(ListMailboxes, { accountId })).mailboxes.length, 6);
    });

    it('keeps METADATA per account and mailbox, all or none, within its limits', async () => {
      const accountId = randomUUID();
      await h.bus.request(SetMetadata, { accountId, mailbox: '', values: [['/private/a', '1'], ['/shared/a/b', '2']] });
      assert.deepEqual((await h.bus.request(GetMetadata, { accountId, mailbox: '', entries: ['/shared/a'], depth: 'infinity' })).entries, [['/shared/a/b', '2']]);
      assert.deepEqual((await h.bus.request(GetMetadata, { accountId: randomUUID(), mailbox: '', entries: ['/private/a'] })).entries, []);
      await rejectsWith(h.bus.request(SetMetadata, { accountId, mailbox: '', values: [['/private/big', 'x'.repeat(70_000)]] }), 'INVALID');
      const many = Array.from({ length: 101 }, (_, i): [string, string] => [`/private/n${i}`, 'v']);
      await rejectsWith(h.bus.request(SetMetadata, { accountId, mailbox: 'INBOX', values: [...many.slice(0, 50)] }).then(() => h.bus.request(SetMetadata, { accountId, mailbox: 'INBOX', values: many.slice(49) })), 'OVER_QUOTA');
      assert.equal((await h.bus.request(GetMetadata, { accountId, mailbox: 'INBOX', entries: ['/private/n100'] })).entries.length, 0, 'the refused SETMETADATA wrote nothing');
    });

    it('answers what vanished since a MODSEQ from its tombstones, and says so when pruning made the answer incomplete', async () => {
      const accountId = randomUUID();
      for (let i = 0; i < 3; i++) await append(accountId, rawMessage({ subject: `v${i}` }));
      const box = await inbox(accountId);
      await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[2, 2]], mode: 'add', flags: ['\\Deleted'] });
      const first = await h.bus.request(ExpungeMessages, { accountId, mailboxId: box.id });
      assert.deepEqual(await h.bus.request(VanishedMessages, { accountId, mailboxId: box.id, sinceModseq: 0 }), { uids: [[2, 2]], complete: true });
      assert.deepEqual(await h.bus.request(VanishedMessages, { accountId, mailboxId: box.id, sinceModseq: 0, uids: [[3, 9]] }), { uids: [], complete: true });
      // every tombstone is past a retention of 0 seconds
      const pruner = new TombstonePruner(h.db, 0, { info: () => undefined, warn: () => undefined } as never);
      assert.ok((await pruner.prune()) >= 1);
      assert.deepEqual(await h.bus.request(VanishedMessages, { accountId, mailboxId: box.id, sinceModseq: 0 }), { uids: [], complete: false });
      const changes = await h.bus.request(MailboxChanges, { accountId, mailboxId: box.id, sinceModseq: 0 });
      assert.equal(changes.vanishedFloor, first.highestModseq);
      await h.bus.request(UpdateFlags, { accountId, mailboxId: box.id, uids: [[3, 3]], mode: 'add', flags: ['\\Deleted'] });
      await h.bus.request(ExpungeMessages, { accountId, mailboxId: box.id });
      assert.deepEqual(await h.bus.request(VanishedMessages, { accountId, mailboxId: box.id, sinceModseq: first.highestModseq }), { uids: [[3, 3]], complete: true });
      await rejectsWith(h.bus.request(VanishedMessages, { accountId: randomUUID(), mailboxId: box.id, sinceModseq: 0 }), 'NOT_FOUND');
    });
  });
}

storeSuite('PGlite', inMemoryPglite);
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) storeSuite('PostgreSQL', () => freshPostgres(adminUrl));
