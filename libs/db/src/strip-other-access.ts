import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes group and other permission bits from everything under `dir`. PGlite (emscripten's node
 * filesystem) sets its files to 0666 explicitly, past the process umask; its directory is 0700, so
 * they are not reachable, and this makes the files themselves private too when the database opens
 * and closes.
 */
export async function stripOtherAccess(dir: string): Promise<void> {
  const st = await lstat(dir);
  if (st.isSymbolicLink()) return;
  if ((st.mode & 0o077) !== 0) await chmod(dir, st.mode & 0o700);
  if (!st.isDirectory()) return;
  for (const entry of await readdir(dir)) await stripOtherAccess(join(dir, entry));
}
