import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { runMigrations, scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';
import { mailMigrations } from './mail-migrations.js';

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
  });
}
