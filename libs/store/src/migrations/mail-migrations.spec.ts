import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { runMigrations, scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';
import { mailMigrations } from './mail-migrations.js';
import { AppendRepository } from '../append.repository.js';
import type { IndexRecord } from '../index-record.js';
import { THREAD_ID } from '../message.repository.js';
import { threadKeys } from '../thread-keys.js';

const adminUrl = process.env.TEST_DATABASE_URL;
const engines: Array<[string, () => Promise<ScratchDatabase>]> = [['PGlite', scratchPglite]];
if (adminUrl) engines.push(['PostgreSQL', () => scratchPostgres(adminUrl, 'mailmig')]);

/** Runs the migrations up to (excluding) `id`, lets `seed` write rows of that schema, then the rest. */
async function migrateAcross(db: ScratchDatabase['db'], id: string, seed: () => Promise<void>): Promise<void> {
  const before = mailMigrations.filter((m) => m.id < id);
  await runMigrations(db, 'mail', before);
  await seed();
  await runMigrations(db, 'mail', mailMigrations);
}

for (const [engine, open] of engines) {
  describe(`mail migrations (${engine})`, () => {
    it('004 carries the subscribed state of existing mailboxes into mail.subscriptions', async () => {
      const scratch = await open();
      try {
        const account = randomUUID();
        await migrateAcross(scratch.db, '004-imapb-subscriptions', async () => {
          await scratch.db.query('INSERT INTO mail.accounts (account_id) VALUES ($1)', [account]);
          await scratch.db.query(
            `INSERT INTO mail.mailboxes (id, account_id, name, subscribed) VALUES ($1, $4, 'INBOX', true), ($2, $4, 'Old', false), ($3, $4, 'Kept', true)`,
            [randomUUID(), randomUUID(), randomUUID(), account],
          );
        });
        const { rows } = await scratch.db.query<{ name: string }>('SELECT name FROM mail.subscriptions WHERE account_id = $1 ORDER BY name', [account]);
        assert.deepEqual(rows.map((r) => r.name), ['INBOX', 'Kept']);
      } finally {
        await scratch.drop();
      }
    });

    it('005 makes the messages already in a mailbox recent for no one', async () => {
      const scratch = await open();
      try {
        const account = randomUUID();
        const box = randomUUID();
        await migrateAcross(scratch.db, '005-imapb-recent', async () => {
          await scratch.db.query('INSERT INTO mail.accounts (account_id) VALUES ($1)', [account]);
          await scratch.db.query(`INSERT INTO mail.mailboxes (id, account_id, name, uid_next) VALUES ($1, $2, 'INBOX', 42)`, [box, account]);
        });
        const { rows } = await scratch.db.query<{ recent_uid: number }>('SELECT recent_uid FROM mail.mailboxes WHERE id = $1', [box]);
        assert.equal(Number(rows[0].recent_uid), 41);
      } finally {
        await scratch.drop();
      }
    });

    it('011 leaves the save date of existing messages to their internal date and gives new ones theirs', async () => {
      const scratch = await open();
      try {
        const account = randomUUID();
        const box = randomUUID();
        const insert = (uid: number) =>
          scratch.db.query(
            `INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id)
             VALUES ($1, $2, 1, '{}', '2020-01-02T03:04:05Z', 1, 'k', 1, 1)`,
            [box, uid],
          );
        await migrateAcross(scratch.db, '011-imapb-save-date', async () => {
          await scratch.db.query('INSERT INTO mail.accounts (account_id) VALUES ($1)', [account]);
          await scratch.db.query(`INSERT INTO mail.mailboxes (id, account_id, name) VALUES ($1, $2, 'INBOX')`, [box, account]);
          await insert(1);
        });
        // the previous release's insert, which does not name the column
        await insert(2);
        const { rows } = await scratch.db.query<{ uid: number; saved_at: Date | null; save_date: Date }>(
          'SELECT uid, saved_at, COALESCE(saved_at, internal_date) AS save_date FROM mail.messages WHERE mailbox_id = $1 ORDER BY uid',
          [box],
        );
        assert.equal(rows[0].saved_at, null);
        assert.equal(new Date(rows[0].save_date).toISOString(), '2020-01-02T03:04:05.000Z');
        assert.ok(rows[1].saved_at !== null && new Date(rows[1].saved_at).getTime() > Date.parse('2026-01-01'));
      } finally {
        await scratch.drop();
      }
    });

    it('012 leaves older messages a thread each (read from their index row) and threads new ones from their keys', async () => {
      const scratch = await open();
      try {
        const account = randomUUID();
        const box = randomUUID();
        const oldIndex = (blob: string) =>
          scratch.db.query<{ id: string }>(
            `INSERT INTO mail.message_indexes (blob_key, size, header_size, envelope, body, ref_count) VALUES ($1, 1, 1, '{}', '{}', 1) RETURNING id`,
            [blob],
          );
        const oldInsert = (uid: number, indexId: string) =>
          scratch.db.query(
            `INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id)
             VALUES ($1, $2, 1, '{}', '2020-01-02T03:04:05Z', 1, 'k', 1, $3)`,
            [box, uid, indexId],
          );
        let before = '';
        await migrateAcross(scratch.db, '012-thread-ids', async () => {
          await scratch.db.query('INSERT INTO mail.accounts (account_id) VALUES ($1)', [account]);
          await scratch.db.query(`INSERT INTO mail.mailboxes (id, account_id, name, uid_next) VALUES ($1, $2, 'INBOX', 3)`, [box, account]);
          before = (await oldIndex('old-1')).rows[0].id;
          await oldInsert(1, before);
        });
        // the previous release's insert, which names neither column
        const during = (await oldIndex('old-2')).rows[0].id;
        await oldInsert(2, during);
        const record = (subject: string, refs: string | null): IndexRecord => ({
          size: 1, headerSize: 1, envelopeJson: '{}', envelopeImap: 'NIL', bodyJson: '{}', sentDate: null, sentOn: null,
          hdrFrom: '', hdrTo: '', hdrCc: '', hdrBcc: '', hdrSubject: subject, headers: [], bodyText: '', threadReferences: refs,
          threadKeys: threadKeys({ messageId: `<${subject}@x>`, inReplyTo: null, references: refs, subject }),
        });
        const appends = new AppendRepository();
        const add = (blobKey: string, index: { record: IndexRecord } | { existingId: number }) =>
          appends.append(scratch.db, { accountId: account, mailboxId: box, flags: [], internalDate: new Date().toISOString(), blobKey, unseen: 1, idempotencyKey: null, index });
        await add('new-1', { record: record('a', null) });
        await add('new-2', { record: record('a', '<a@x>') });
        // a second reference on an index row of before 012 (no keys): a thread of its own
        await add('old-1', { existingId: Number(before) });
        const { rows } = await scratch.db.query<{ uid: number; thread_id: string | null; thread: string; index_id: string }>(
          `SELECT m.uid, m.thread_id, ${THREAD_ID} AS thread, m.index_id FROM mail.messages m WHERE mailbox_id = $1 ORDER BY uid`,
          [box],
        );
        assert.deepEqual(rows.map((r) => [Number(r.uid), r.thread_id === null ? null : String(r.thread)]), [[1, null], [2, null], [3, String(rows[2].index_id)], [4, String(rows[2].index_id)], [5, String(before)]]);
        assert.equal(String(rows[0].thread), String(before), 'an older message is its own thread');
        assert.equal(String(rows[1].thread), String(during));
      } finally {
        await scratch.drop();
      }
    });
  });
}
