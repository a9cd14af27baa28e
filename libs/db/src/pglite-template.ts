import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { unpackTarGz } from './unpack-template.js';

/**
 * PostgreSQL settings for the embedded database (ADR 0042). PostgreSQL's defaults size shared
 * memory for a server with many backends: 128 MB of shared_buffers alone made PGlite's WASM heap
 * the largest part of the process. One backend reading files through the OS page cache needs far
 * less: 16 MB of buffers (wal_buffers follows at 1/32), a handful of connection slots.
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers=16MB', 'max_connections=8', 'maintenance_work_mem=16MB'];

const ASSETS = join(__dirname, '..', 'assets');
export const PGLITE_TEMPLATE_FILE = join(ASSETS, 'pglite-template.tar.gz');

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
export async function unpackPgliteTemplate(dataDir: string): Promise<boolean> {
  if (!templateUsableFor(dataDir) || !existsSync(PGLITE_TEMPLATE_FILE)) return false;
  await unpackTarGz(PGLITE_TEMPLATE_FILE, dataDir);
  return true;
}

function templateUsableFor(dataDir: string | undefined): boolean {
  if (dataDir && existsSync(join(dataDir, 'PG_VERSION'))) return false;
  return templatePgliteVersion() === installedPgliteVersion();
}
