import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PgliteDatabase, committedSchemaTemplateManifest, runMigrations, schemaTemplateMismatch, type SchemaMigrations } from '@mail/db';
import { EMBEDDED_MIGRATIONS } from './embedded-migrations.js';
import { startEmbeddedPlatform } from './embedded-platform.js';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `${name}-`));
const appliedIds = async (db: PgliteDatabase, schema: string) =>
  (await db.query<{ id: string }>(`SELECT id FROM ${schema}.schema_migrations ORDER BY id`)).rows.map((r) => r.id);

describe('the PGlite schema template (ADR 0070)', () => {
  it('holds only migrations of this code, unchanged (else run `node scripts/pglite-template.mjs --schema`)', () => {
    assert.equal(schemaTemplateMismatch(committedSchemaTemplateManifest(), EMBEDDED_MIGRATIONS), null);
  });

  it('lists every schema the embedded platform migrates at start, with all its migrations applied', async () => {
    const dataDir = tmp('embedded-migrations');
    try {
      const platform = await startEmbeddedPlatform({
        DATA_DIR: dataDir,
        BIND_HOST: '127.0.0.1',
        ADMIN_BIND_HOST: '127.0.0.1',
        HOSTNAME_FQDN: 'localhost',
        LOG_LEVEL: 'warn',
        SMTP_PORT: '0',
        SUBMISSION_PORT: '0',
        IMAP_PORT: '0',
        POP3_PORT: '0',
        ADMIN_PORT: '0',
        ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      });
      await platform.close();
      const db = await PgliteDatabase.open(join(dataDir, 'pglite'));
      try {
        const { rows } = await db.query<{ schema: string }>(`SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'schema_migrations' ORDER BY 1`);
        assert.deepEqual(
          rows.map((r) => r.schema),
          Object.keys(EMBEDDED_MIGRATIONS).sort(),
        );
        for (const [schema, migrations] of Object.entries(EMBEDDED_MIGRATIONS)) {
          assert.deepEqual(await appliedIds(db, schema), migrations.map((m) => m.id).sort(), schema);
        }
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a migration added after the template was made is applied by the runner on top of it', async () => {
    const dir = tmp('schema-template-newer');
    const added = { id: '999-added-later', sql: 'ALTER TABLE mail.mailboxes ADD COLUMN added_later integer' };
    const migrations: SchemaMigrations = { ...EMBEDDED_MIGRATIONS, mail: [...EMBEDDED_MIGRATIONS.mail, added] };
    const db = await PgliteDatabase.open(dir, { migrations });
    try {
      assert.deepEqual(await runMigrations(db, 'mail', migrations.mail), ['999-added-later']);
      assert.deepEqual(await runMigrations(db, 'queue', migrations.queue), [], 'the template held the rest');
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not used when one of its migrations was edited since: the schemas are made by the runner instead', async () => {
    const dir = tmp('schema-template-edited');
    const [first, ...rest] = EMBEDDED_MIGRATIONS.trace;
    const edited = { id: first.id, sql: `${first.sql}\n-- edited` };
    const migrations: SchemaMigrations = { ...EMBEDDED_MIGRATIONS, trace: [edited, ...rest] };
    assert.match(schemaTemplateMismatch(committedSchemaTemplateManifest(), migrations) ?? '', /has changed/);
    const db = await PgliteDatabase.open(dir, { migrations });
    try {
      const ran = await runMigrations(db, 'trace', migrations.trace);
      assert.deepEqual(ran, migrations.trace.map((m) => m.id).sort());
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
