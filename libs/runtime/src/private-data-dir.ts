import { chmod, mkdir } from 'node:fs/promises';

/**
 * DATA_DIR holds the mail (PGlite, blobs), the admin token, the secrets key and the TLS key: nothing
 * in it is for other users of the machine. The directory itself becomes 0700 (that alone closes an
 * existing install, whatever modes older files have), and the process umask becomes 077 so that what
 * is created later (PGlite's relation and WAL files, which we do not open ourselves) is 0600/0700
 * too. The places that create files also pass those modes explicitly; the umask is the backstop.
 * Embedded mode only: that process owns its host's DATA_DIR and writes nothing meant to be shared.
 */
export async function makeDataDirPrivate(dataDir: string): Promise<void> {
  process.umask(0o077);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
}
