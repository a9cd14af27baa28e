import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Migration } from './migrations.js';
import { unpackTarGz } from './unpack-template.js';

/** Every schema a process brings up to date at start, with its migrations (runMigrations' arguments). */
export type SchemaMigrations = Readonly<Record<string, readonly Migration[]>>;

/**
 * PostgreSQL settings for the embedded database (ADR 0042). PostgreSQL's defaults size shared
 * memory for a server with many backends: 128 MB of shared_buffers alone made PGlite's WASM heap
 * the largest part of the process. One backend reading files through the OS page cache needs far
 * less: a handful of connection slots, and 4 MB of buffers (wal_buffers follows at 1/32): with 16 MB
 * the start alone touched 12 MB of them, idle RSS 196 against 182 MiB, for no ingest CPU measured
 * (ADR 0084).
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers=4MB', 'max_connections=8', 'maintenance_work_mem=16MB'];

const ASSETS = join(__dirname, '..', 'assets');
export const PGLITE_TEMPLATE_FILE = join(ASSETS, 'pglite-template.tar.gz');
/** the same cluster with the embedded platform's schemas already migrated (ADR 0070) */
export const PGLITE_SCHEMA_TEMPLATE_FILE = join(ASSETS, 'pglite-schema-template.tar.gz');
const SCHEMA_TEMPLATE_MANIFEST = join(ASSETS, 'pglite-schema-template.json');

/** What the schema template holds: the PGlite that made it, and per schema each applied migration's fingerprint. */
export interface SchemaTemplateManifest {
  pglite: string;
  migrations: Record<string, Record<string, string>>;
}

/** A migration's identity in the manifest: its SQL's hash, so an edited migration is never taken as applied. */
export function migrationFingerprint(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex').slice(0, 16);
}

export function schemaTemplateManifestFor(migrations: SchemaMigrations, pglite = installedPgliteVersion()): SchemaTemplateManifest {
  const out: SchemaTemplateManifest['migrations'] = {};
  for (const [schema, list] of Object.entries(migrations)) out[schema] = Object.fromEntries(list.map((m) => [m.id, migrationFingerprint(m)]));
  return { pglite, migrations: out };
}

export function committedSchemaTemplateManifest(): SchemaTemplateManifest | null {
  try {
    return JSON.parse(readFileSync(SCHEMA_TEMPLATE_MANIFEST, 'utf8')) as SchemaTemplateManifest;
  } catch {
    return null;
  }
}

/**
 * Why the schema template cannot stand for running `migrations` on the initdb template, or null when
 * it can: every migration it holds must be one of this code's, with the same SQL. Migrations it does
 * not hold yet (added since it was made) are fine: the migration runner applies them at start, as
 * it does on any existing database.
 */
export function schemaTemplateMismatch(manifest: SchemaTemplateManifest | null, migrations: SchemaMigrations): string | null {
  if (!manifest) return 'no schema template';
  if (manifest.pglite !== installedPgliteVersion()) return `made by PGlite ${manifest.pglite}, ${installedPgliteVersion()} installed`;
  for (const [schema, applied] of Object.entries(manifest.migrations)) {
    const ours = new Map((migrations[schema] ?? []).map((m) => [m.id, migrationFingerprint(m)]));
    if (!ours.size) return `schema ${schema} is not one this process migrates`;
    for (const [id, fingerprint] of Object.entries(applied)) {
      if (!ours.has(id)) return `migration ${id} of ${schema} is not in this code`;
      if (ours.get(id) !== fingerprint) return `migration ${id} of ${schema} has changed since the template was made`;
    }
  }
  return null;
}

/** The installed PGlite's version (its package.json: the package's exports do not list it). */
export function installedPgliteVersion(): string {
  const main = require.resolve('@electric-sql/pglite');
  return (JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The version of PGlite the committed template was made with (scripts/pglite-template.mjs). */
export function templatePgliteVersion(): string | null {
  try {
    return (JSON.parse(readFileSync(join(ASSETS, 'pglite-template.json'), 'utf8')) as { pglite: string }).pglite;
  } catch {
    return null;
  }
}

/**
 * The initdb output to load into a database that does not exist yet, or null: the directory holds
 * one already, or the template was made by another PGlite version (initdb then runs as before; the
 * libs/db spec fails until scripts/pglite-template.mjs has been run again).
 */
export async function pgliteTemplateFor(dataDir: string | undefined): Promise<Blob | null> {
  if (!templateUsableFor(dataDir)) return null;
  try {
    return new Blob([await readFile(PGLITE_TEMPLATE_FILE)]);
  } catch {
    return null;
  }
}

/**
 * A data directory on disk gets the template's files written straight into it, before PGlite opens
 * it as it would reopen any directory (ADR 0054: PGlite's own loading held ~100 MiB more for the
 * life of the process). False when there is nothing to unpack (see pgliteTemplateFor).
 */
export async function unpackPgliteTemplate(dataDir: string, migrations?: SchemaMigrations): Promise<'schema' | 'initdb' | false> {
  if (!templateUsableFor(dataDir)) return false;
  // the schemas already migrated when the template matches this code (ADR 0070): the migrations'
  // ~1.1 s of PGlite at a first start, and the executor work that first tiers up its largest function
  if (migrations && existsSync(PGLITE_SCHEMA_TEMPLATE_FILE) && !schemaTemplateMismatch(committedSchemaTemplateManifest(), migrations)) {
    await unpackTarGz(PGLITE_SCHEMA_TEMPLATE_FILE, dataDir);
    return 'schema';
  }
  if (!existsSync(PGLITE_TEMPLATE_FILE)) return false;
  await unpackTarGz(PGLITE_TEMPLATE_FILE, dataDir);
  return 'initdb';
}

function templateUsableFor(dataDir: string | undefined): boolean {
  if (dataDir && existsSync(join(dataDir, 'PG_VERSION'))) return false;
  return templatePgliteVersion() === installedPgliteVersion();
}
