import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The admin API's bearer token: ADMIN_TOKEN if set, else the one in $DATA_DIR/admin.token, else a
 * new random one written there with mode 0600. The caller prints the path, never the token.
 */
export async function resolveAdminToken(opts: { envToken?: string; dataDir: string }): Promise<{ token: string; file?: string; created: boolean }> {
  if (opts.envToken) return { token: opts.envToken, created: false };
  const file = join(opts.dataDir, 'admin.token');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 16) return { token: existing, file, created: false };
  } catch {
    // not there yet
  }
  const token = randomBytes(32).toString('base64url');
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, file, created: true };
}
