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
  });
}
