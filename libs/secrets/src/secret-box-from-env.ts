import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { newSecretKey, parseSecretKey, SecretBox, SecretBoxError } from './secret-box.js';

export interface SecretKeySource {
  /** `SECRETS_KEY`: the key new secrets are sealed with */
  key?: string;
  /** `SECRETS_PREVIOUS_KEYS`: comma-separated older keys, still accepted for opening */
  previousKeys?: string;
  /** embedded mode: where a generated key is kept when `key` is unset (`DATA_DIR/secrets.key`) */
  dataDir?: string;
}

/**
 * The box every service that stores secrets uses. `SECRETS_KEY` comes first; without it the
 * embedded mode generates a key once into `DATA_DIR/secrets.key` (mode 0600), and the distributed
 * mode refuses to start: replicas must share one key, which only the operator can give them.
 */
export async function secretBoxFromEnv(source: SecretKeySource): Promise<SecretBox> {
  const previous = (source.previousKeys ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((k, i) => parseSecretKey(k, `SECRETS_PREVIOUS_KEYS[${i}]`));
  if (source.key) return new SecretBox([parseSecretKey(source.key), ...previous]);
  if (!source.dataDir) throw new SecretBoxError('SECRETS_KEY is required in the distributed mode (32 random bytes, e.g. `openssl rand -base64 32`), the same on every replica');
  return new SecretBox([await loadOrCreateKeyFile(join(source.dataDir, 'secrets.key')), ...previous]);
}

async function loadOrCreateKeyFile(file: string): Promise<Buffer> {
  try {
    return parseSecretKey(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = newSecretKey();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under a private name, then linked into place: two processes starting together
  // must neither each keep a key of their own nor read the other's half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${key.toString('base64')}\n`, { mode: 0o600 });
  await chmod(draft, 0o600);
  try {
    await link(draft, file);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseSecretKey(await readFile(file, 'utf8'), file);
    throw err;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}
