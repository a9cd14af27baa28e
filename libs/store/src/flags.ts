/** System flags in their canonical spelling; clients may send any case (RFC 3501 flags are case-insensitive). */
const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent'];
const BY_LOWER = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

export const SEEN = '\\Seen';
export const DELETED = '\\Deleted';
export const RECENT = '\\Recent';

export function canonicalFlag(flag: string): string {
  return flag.startsWith('\\') ? (BY_LOWER.get(flag.toLowerCase()) ?? flag) : flag;
}

/**
 * Flags as stored: canonical system flags, duplicates dropped, order kept. \Recent is never stored:
 * this store does not implement it (it is session state that cannot be shared across replicas).
 */
export function normalizeFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of flags) {
    const f = canonicalFlag(raw);
    if (f === RECENT) continue;
    const key = f.startsWith('\\') ? f.toLowerCase() : f;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}
