import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

/**
 * Writes the files of a gzipped ustar archive (PGlite's `dumpDataDir` output: plain files and
 * directories, names relative to PGDATA) into `dir`, which must not hold a database yet.
 *
 * Why not PGlite's own `loadDataDir` for a data directory on disk (ADR 0054): PGlite untars through
 * its JS filesystem layer, holding the archive and every file as ArrayBuffers (~93 MiB at the end of
 * the open for a 38 MiB data directory); glibc does not give that memory back once it is freed, so
 * the process stayed ~100 MiB larger for its whole life than the same process reopening the
 * directory. Here the archive is one buffer (large enough to be its own mapping, returned to the OS
 * when collected) and each file a view of it. `PG_VERSION` is written last: a start interrupted
 * half-way leaves a directory PostgreSQL does not take for a database, and the next start unpacks
 * it again.
 */
export async function unpackTarGz(file: string, dir: string): Promise<void> {
  const tar = gunzipSync(await readFile(file));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const last: Array<[string, Buffer]> = [];
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    const name = field(header, 0, 100);
    if (!name) break; // the two zero blocks that end an archive
    const prefix = field(header, 345, 155);
    const size = parseInt(field(header, 124, 12) || '0', 8);
    const type = String.fromCharCode(header[156] || 0x30);
    const path = inside(dir, prefix ? `${prefix}/${name}` : name);
    const body = tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === '5') await mkdir(path, { recursive: true, mode: 0o700 });
    else if (type === '0') {
      if (path === join(dir, 'PG_VERSION')) last.push([path, body]);
      else await writeFile(path, body, { mode: 0o600 });
    } else throw new Error(`unexpected entry type ${type} for ${name} in ${file}`);
  }
  for (const [path, body] of last) await writeFile(path, body, { mode: 0o600 });
}

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8').trim();
}

/** The entry's path under dir; an entry that would land outside it is refused. */
function inside(dir: string, name: string): string {
  const rel = normalize(name.replace(/^\/+/, ''));
  if (rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`archive entry outside the directory: ${name}`);
  return join(dir, rel);
}
