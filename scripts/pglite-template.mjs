#!/usr/bin/env node
// Writes the templates a fresh PGlite data directory starts from (libs/db/assets):
// - pglite-template.tar.gz: the data directory PGlite's initdb makes, checkpointed, so that a fresh
//   DATA_DIR (npm start, every embedded test) loads it instead of running initdb in process (ADR 0042:
//   initdb runs a second PGlite and the initdb module beside the first, a ~1.1 GiB peak and 3-13 s).
//   Run it after upgrading @electric-sql/pglite; libs/db's spec fails until then.
// - pglite-schema-template.tar.gz: the same cluster with every schema of the embedded platform migrated
//   (libs/platform's EMBEDDED_MIGRATIONS), and pglite-schema-template.json naming each migration it
//   holds by its SQL's hash (ADR 0070). Run it (`--schema` for this one alone; needs `npm run build`)
//   after adding a migration: a template that is behind still works (the runner applies the rest at
//   start), one whose migrations were edited is not used.
import { writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'libs', 'db', 'package.json'));
const out = join(root, 'libs', 'db', 'assets');
const schemaOnly = process.argv.includes('--schema');

if (!schemaOnly) {
  const { PGlite } = require('@electric-sql/pglite');
  const version = JSON.parse(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8')).version;
  const pg = await PGlite.create();
  await pg.exec('CHECKPOINT');
  const dump = await pg.dumpDataDir('gzip');
  await pg.close();
  writeFileSync(join(out, 'pglite-template.tar.gz'), Buffer.from(await dump.arrayBuffer()));
  writeFileSync(join(out, 'pglite-template.json'), `${JSON.stringify({ pglite: version }, null, 2)}\n`);
  console.log(`libs/db/assets/pglite-template.tar.gz: PGlite ${version}, ${dump.size} bytes`);
}

// the schemas exactly as the platform's modules migrate them: the same runner, from the initdb template
const { PgliteDatabase, runMigrations, schemaTemplateManifestFor } = require(join(root, 'libs', 'db', 'dist', 'index.js'));
const { EMBEDDED_MIGRATIONS } = require(join(root, 'libs', 'platform', 'dist', 'embedded-migrations.js'));
const db = await PgliteDatabase.open(undefined);
for (const [schema, migrations] of Object.entries(EMBEDDED_MIGRATIONS)) await runMigrations(db, schema, migrations);
await db.query('CHECKPOINT');
const dump = await db.dumpDataDir();
await db.close();
const manifest = schemaTemplateManifestFor(EMBEDDED_MIGRATIONS);
writeFileSync(join(out, 'pglite-schema-template.tar.gz'), Buffer.from(await dump.arrayBuffer()));
writeFileSync(join(out, 'pglite-schema-template.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const count = Object.values(manifest.migrations).reduce((n, m) => n + Object.keys(m).length, 0);
console.log(`libs/db/assets/pglite-schema-template.tar.gz: ${Object.keys(manifest.migrations).length} schemas, ${count} migrations, ${dump.size} bytes`);
