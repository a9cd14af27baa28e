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
  });
}
