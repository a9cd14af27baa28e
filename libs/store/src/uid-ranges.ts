/** Largest UID IMAP can name (32-bit); `*` arrives as this or as uidNext - 1. */
export const MAX_UID = 4_294_967_295;

/**
 * Sorted, non-overlapping ranges: lets SQL join the ranges against the primary key without
 * producing a message twice, and gives `lo`/`hi` arrays to pass as two array parameters.
 */
export function mergeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = ranges.map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a])).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function rangeArrays(ranges: readonly (readonly [number, number])[]): { lo: number[]; hi: number[] } {
  const merged = mergeRanges(ranges);
  return { lo: merged.map((r) => r[0]), hi: merged.map((r) => r[1]) };
}
