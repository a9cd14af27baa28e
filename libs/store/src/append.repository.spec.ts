import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runMigrations } from '@mail/db';
import { AppendRepository } from './append.repository.js';
import type { IndexRecord } from './index-record.js';
import { MailboxRepository } from './mailbox.repository.js';
import { mailMigrations } from './migrations/mail-migrations.js';
import { freshPostgres, inMemoryPglite, type OpenedDatabase } from './store-test-harness.js';

const record = (size = 100): IndexRecord => ({
  size,
  headerSize: 20,
  envelopeJson: '{}',
  envelopeImap: '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)',
  bodyJson: '{}',
  sentDate: null,
  sentOn: null,
  hdrFrom: 'a@b.c',
  hdrTo: '',
  hdrCc: '',
  hdrBcc: '',
  hdrSubject: 'Hello',
  headers: ['subject: Hello'],
  bodyText: 'Body',
  threadReferences: null,
  threadKeys: [],
});

/** The one-statement append's edge cases, which the store suite cannot provoke through the bus. */
function appendRepositorySuite(name: string, open: () => Promise<OpenedDatabase>) {
  describe(`append repository (${name})`, () => {
    let opened: OpenedDatabase;
    const repo = new AppendRepository();
    const account = randomUUID();
    let inbox: string;
    before(async () => {
      opened = await open();
      await runMigrations(opened.db, 'mail', mailMigrations);
      await new MailboxRepository().ensureAccount(opened.db, account);
      const ctx = await repo.context(opened.db, account, 'INBOX', 'none', null);
      assert.ok(ctx.mailbox);
      inbox = ctx.mailbox.id;
    });
    after(async () => opened?.drop());

    const base = (blobKey: string, key: string | null = null) => ({ accountId: account, mailboxId: inbox, flags: [], internalDate: new Date().toISOString(), blobKey, unseen: 1, idempotencyKey: key });
    const refCount = async (blobKey: string) =>
      (await opened.db.query<{ ref_count: number }>('SELECT ref_count FROM mail.message_indexes WHERE blob_key = $1', [blobKey])).rows[0]?.ref_count;

    it('inserts the index, the message and the key in one statement, and shares the index afterwards', async () => {
      const first = await repo.append(opened.db, { ...base('blob-1', 'k1'), index: { record: record() } });
      assert.ok(first.ok);
      assert.equal(first.row.uid, 1);
      const ctx = await repo.context(opened.db, account, 'INBOX', 'blob-1', 'k1');
      assert.deepEqual(ctx.earlier, { mailbox_id: inbox, uid: 1, uid_validity: first.row.uid_validity, modseq: first.row.modseq });
      assert.ok(ctx.index);
      assert.equal(ctx.used, 100);
      const second = await repo.append(opened.db, { ...base('blob-1', 'k2'), index: { existingId: ctx.index.id } });
      assert.ok(second.ok);
      assert.equal(second.row.uid, 2);
      assert.equal(Number(await refCount('blob-1')), 2);
    });

    it('writes nothing when the shared index row was collected meanwhile', async () => {
      const before = await repo.context(opened.db, account, 'INBOX', 'x', null);
      const r = await repo.append(opened.db, { ...base('blob-gone'), index: { existingId: 987654 } });
      assert.deepEqual(r, { ok: false, why: 'index-gone' });
      const after = await repo.context(opened.db, account, 'INBOX', 'x', null);
      assert.equal(after.mailbox?.uid_next, before.mailbox?.uid_next, 'no UID was spent');
    });

    it('gives the index reference back when the mailbox is gone', async () => {
      const r = await repo.append(opened.db, { ...base('blob-orphan'), mailboxId: randomUUID(), index: { record: record() } });
      assert.deepEqual(r, { ok: false, why: 'mailbox-gone' });
      assert.equal(Number(await refCount('blob-orphan')), 0);
    });

    it('aborts the whole statement when the idempotency key was taken first', async () => {
      const r1 = await repo.append(opened.db, { ...base('blob-k', 'same'), index: { record: record() } });
      assert.ok(r1.ok);
      const before = await repo.context(opened.db, account, 'INBOX', 'x', null);
      await assert.rejects(repo.append(opened.db, { ...base('blob-k2', 'same'), index: { record: record() } }), (err: { code?: string }) => err.code === '23505');
      const after = await repo.context(opened.db, account, 'INBOX', 'x', null);
      assert.equal(after.mailbox?.message_count, before.mailbox?.message_count);
      assert.equal(await refCount('blob-k2'), undefined, 'the index insert was rolled back with the rest');
      assert.deepEqual(await repo.findAppend(opened.db, account, 'same'), r1.row);
    });

    describe('by mailbox name, the quota checked in the statement (ADR 0069)', () => {
      const open: { givenBytes: number | null; givenMessages: number | null; defaultBytes: number | null } = { givenBytes: null, givenMessages: null, defaultBytes: null };
      const named = (blobKey: string, limits = open, mailbox = 'INBOX', size = 100) => ({
        accountId: account,
        mailbox,
        flags: ['\\Seen'],
        internalDate: new Date().toISOString(),
        blobKey,
        unseen: 0,
        record: record(size),
        limits,
      });

      it('appends as `append` does, with the \\Recent claim in the same statement', async () => {
        const before = await repo.context(opened.db, account, 'INBOX', 'x', null);
        const r = await repo.appendNamed(opened.db, { ...named('named-1'), claimRecent: true });
        assert.ok(r.ok);
        assert.equal(r.mailboxId, inbox);
        assert.equal(r.row.uid, before.mailbox!.uid_next);
        assert.deepEqual(r.row.recent, { after: before.mailbox!.recent_uid, upTo: before.mailbox!.uid_next });
        const after = await repo.context(opened.db, account, 'INBOX', 'named-1', null);
        assert.equal(after.used, before.used + 100);
        assert.equal(after.mailbox?.message_count, before.mailbox!.message_count + 1);
        assert.equal(after.mailbox?.unseen_count, before.mailbox!.unseen_count, '\\Seen came with it');
        assert.equal(Number(await refCount('named-1')), 1);
      });

      it('writes nothing but a given-back index reference when there is no such mailbox', async () => {
        const r = await repo.appendNamed(opened.db, named('named-none', open, 'Nowhere'));
        assert.deepEqual(r, { ok: false, why: 'no-mailbox' });
        assert.equal(Number(await refCount('named-none')), 0);
      });

      it("refuses what does not fit the caller's bytes, the account's own column or the message count, writing nothing", async () => {
        const before = await repo.context(opened.db, account, 'INBOX', 'x', null);
        const used = { bytes: before.used, messages: before.messages };
        const bytes = await repo.appendNamed(opened.db, named('named-big', { ...open, givenBytes: before.used + 99 }));
        assert.deepEqual(bytes, { ok: false, why: 'over-quota', used, limits: { bytes: before.used + 99, messages: null }, size: 100 });
        const count = await repo.appendNamed(opened.db, named('named-many', { ...open, givenMessages: before.messages }));
        assert.deepEqual(count, { ok: false, why: 'over-quota', used, limits: { bytes: null, messages: before.messages }, size: 100 });
        await opened.db.query('UPDATE mail.accounts SET quota_bytes = $2 WHERE account_id = $1', [account, before.used + 50]);
        try {
          const column = await repo.appendNamed(opened.db, named('named-column', { ...open, defaultBytes: 10 ** 12 }));
          assert.deepEqual(column, { ok: false, why: 'over-quota', used, limits: { bytes: before.used + 50, messages: null }, size: 100 });
          // the caller's limit comes before the account's column, as in effectiveLimits
          const given = await repo.appendNamed(opened.db, named('named-given', { ...open, givenBytes: before.used + 100 }));
          assert.ok(given.ok);
        } finally {
          await opened.db.query('UPDATE mail.accounts SET quota_bytes = NULL WHERE account_id = $1', [account]);
        }
        const defaulted = await repo.appendNamed(opened.db, named('named-default', { ...open, defaultBytes: before.used + 100 }));
        assert.equal(defaulted.ok, false, 'the default applies when neither the caller nor the account sets one');
        for (const key of ['named-big', 'named-many', 'named-column', 'named-default']) assert.equal(Number(await refCount(key)), 0, key);
        const after = await repo.context(opened.db, account, 'INBOX', 'x', null);
        assert.equal(after.mailbox?.uid_next, before.mailbox!.uid_next + 1, 'only the one that fitted spent a UID');
      });
    });
  });
}

appendRepositorySuite('PGlite', inMemoryPglite);
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) appendRepositorySuite('PostgreSQL', () => freshPostgres(adminUrl));
