import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 's1';

/** A sealed value could not be opened: wrong or missing key, or the text was altered. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/**
 * Secrets at rest (smart-host passwords, DKIM private keys, remote account passwords), sealed with
 * AES-256-GCM under a key the database never sees: a dump of PostgreSQL alone reveals none of them.
 *
 * A sealed value is `s1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id (a hash of
 * the key, not the key) lets a box that holds the new key and the previous ones open values sealed
 * under any of them, so keys can be rotated without a flag day: seal always uses the first key.
 */
export class SecretBox {
  private readonly keys: Array<{ id: string; key: Buffer }>;

  constructor(keys: readonly Buffer[]) {
    if (!keys.length) throw new SecretBoxError('a SecretBox needs at least one key');
    this.keys = keys.map((key) => {
      if (key.length !== 32) throw new SecretBoxError(`a secret key is 32 bytes, this one is ${key.length}`);
      return { id: keyId(key), key };
    });
  }

  /**
   * A 32-byte key per held key for another purpose (HKDF-SHA256 with `label`), in the same order:
   * the first to make things with, all to check them (e.g. SRS addresses made before a rotation).
   * The sealing keys themselves never leave the box.
   */
  deriveKeys(label: string): Buffer[] {
    return this.keys.map(({ key }) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `mail-platform ${label}`, 32)));
  }

  seal(plaintext: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv);
    // the key id is bound into the tag, so a value can't be passed off as sealed by another key
    cipher.setAAD(Buffer.from(`${VERSION}.${id}`));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed secret');
    const [version, id, iv, tag, body] = parts;
    const entry = this.keys.find((k) => k.id === id);
    if (!entry) throw new SecretBoxError(`sealed with a key this service does not have (key id ${id}): set SECRETS_KEY / SECRETS_PREVIOUS_KEYS`);
    try {
      const decipher = createDecipheriv(ALGORITHM, entry.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`${version}.${id}`));
      const authTag = Buffer.from(tag, 'base64url');
      if (authTag.length !== TAG_BYTES) throw new Error('short tag');
      decipher.setAuthTag(authTag);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('a sealed secret failed its integrity check');
    }
  }

  /** whether a value was sealed under an older key (re-seal it after a rotation) */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keys[0].id;
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update('mail-platform secret key id').update(key).digest('base64url').slice(0, 8);
}

/** A key as an operator writes it: 32 bytes in base64/base64url (44/43 chars) or hex (64 chars). */
export function parseSecretKey(text: string, name = 'SECRETS_KEY'): Buffer {
  const value = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, /[-_]/.test(value) ? 'base64url' : 'base64');
  if (key.length !== 32) throw new SecretBoxError(`${name} must be 32 random bytes, base64 or hex (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} bytes`);
  return key;
}

export function newSecretKey(): Buffer {
  return randomBytes(32);
}
