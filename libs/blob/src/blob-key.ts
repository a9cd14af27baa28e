import { randomUUID } from 'node:crypto';

const SAFE_KEY = /^[A-Za-z0-9/_.-]+$/;

/** Keys spread by day, so an operator can see and expire storage by age. */
export function newBlobKey(kind = 'msg', now = new Date()): string {
  const d = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${kind}/${d}/${randomUUID()}`;
}

/** Rejects keys that could escape the store's namespace (`..`, absolute paths, odd characters). */
export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  }
}
