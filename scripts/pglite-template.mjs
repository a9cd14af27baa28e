#!/usr/bin/env node
// Writes libs/db/assets/pglite-template.tar.gz: the data directory PGlite's initdb makes, checkpointed,
// so that a fresh DATA_DIR (npm start, every embedded test) loads it instead of running initdb in
// process (ADR 0042: initdb runs a second PGlite and the initdb module beside the first, a ~1.1 GiB
// peak and 3-13 s). Run it after upgrading @electric-sql/pglite; libs/db's spec fails until then.
import { writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'libs', 'db', 'package.json'));
const { PGlite } = require('@electric-sql/pglite');
const version = JSON.parse(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8')).version;

const pg = await PGlite.create();
await pg.exec('CHECKPOINT');
const dump = await pg.dumpDataDir('gzip');
await pg.close();
const out = join(root, 'libs', 'db', 'assets');
writeFileSync(join(out, 'pglite-template.tar.gz'), Buffer.from(await dump.arrayBuffer()));
writeFileSync(join(out, 'pglite-template.json'), `${JSON.stringify({ pglite: version }, null, 2)}\n`);
console.log(`libs/db/assets/pglite-template.tar.gz: PGlite ${version}, ${dump.size} bytes`);
