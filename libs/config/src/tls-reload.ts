import { createSecureContext } from 'node:tls';
import { readFile, stat } from 'node:fs/promises';
import { serverSecureContextOptions } from './tls-policy.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** how often both files are stat()ed (TLS_RELOAD_INTERVAL_MS) */
  intervalMs: number;
}

/**
 * Certificates renewed on disk (certbot, cert-manager) take effect without a restart: both files are
 * stat()ed every `intervalMs`, and when either changed the pair is read, checked by building a context
 * from it (a half-written or mismatched pair is kept out and tried again next round), and handed to
 * `onChange`. Sessions already open keep the certificate they were made with.
 */
export function watchTlsFiles(
  files: TlsFiles,
  onChange: (material: { key: string; cert: string }) => void,
  onError: (err: Error) => void,
): { stop(): void } {
  let seen: string | undefined;
  let busy = false;
  const signature = async () => {
    const [c, k] = await Promise.all([stat(files.certFile), stat(files.keyFile)]);
    return `${c.mtimeMs}:${c.size}:${c.ino}/${k.mtimeMs}:${k.size}:${k.ino}`;
  };
  const check = async () => {
    const now = await signature();
    if (seen === undefined) {
      seen = now;
      return;
    }
    if (now === seen) return;
    const material = { cert: await readFile(files.certFile, 'utf8'), key: await readFile(files.keyFile, 'utf8') };
    createSecureContext(serverSecureContextOptions(material)); // throws on a key that does not match the certificate
    seen = now;
    onChange(material);
  };
  const tick = () => {
    if (busy) return;
    busy = true;
    check()
      .catch((err: Error) => onError(err))
      .finally(() => (busy = false));
  };
  tick();
  const timer = setInterval(tick, files.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
