import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSelfSignedCert } from './self-signed-cert.js';

export interface TlsMaterial {
  key: string;
  cert: string;
  selfSigned: boolean;
}

/**
 * The certificate for STARTTLS/implicit TLS: the configured files, or else a self-signed one made
 * once and kept under DATA_DIR, so that clients that pin it keep working across restarts.
 */
export async function loadOrCreateTls(opts: { certFile?: string; keyFile?: string; dataDir: string; hostname: string }): Promise<TlsMaterial> {
  if (opts.certFile && opts.keyFile) {
    return { cert: await readFile(opts.certFile, 'utf8'), key: await readFile(opts.keyFile, 'utf8'), selfSigned: false };
  }
  const dir = join(opts.dataDir, 'tls');
  const certPath = join(dir, 'self-signed.crt');
  const keyPath = join(dir, 'self-signed.key');
  try {
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8'), selfSigned: true };
  } catch {
    // first start: make one below
  }
  const pems = await makeSelfSignedCert({ commonName: opts.hostname, altNames: [...new Set([opts.hostname, 'localhost', '127.0.0.1'])] });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyPath, pems.key, { mode: 0o600 });
  await chmod(keyPath, 0o600);
  // public, but DATA_DIR holds nothing for other users to read
  await writeFile(certPath, pems.cert, { mode: 0o600 });
  return { cert: pems.cert, key: pems.key, selfSigned: true };
}
