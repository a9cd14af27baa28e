import type { Cursor } from './cursor.js';
import type { SeqNumber, SequenceSet } from './types.js';

/** Guards memory: a set naming more ranges than this is refused as a parse error. */
export const MAX_SEQUENCE_RANGES = 10_000;

function seqNumber(c: Cursor): SeqNumber {
  if (c.tryChar('*')) return '*';
  const n = c.nzNumber();
  if (n > 0xffffffff) c.fail('sequence number out of range');
  return n;
}

/** The set `$` (RFC 5182): the session's saved search result. */
export function savedResultSet(): SequenceSet {
  return Object.assign([], { saved: true as const });
}

/** sequence-set = (seq-number / seq-range) *("," sequence-set) / "$" (RFC 5182 seq-last-command) */
export function parseSequenceSet(c: Cursor): SequenceSet {
  if (c.tryChar('$')) return savedResultSet();
  const set: SequenceSet = [];
  for (;;) {
    const start = seqNumber(c);
    const end = c.tryChar(':') ? seqNumber(c) : start;
    set.push({ start, end });
    if (set.length > MAX_SEQUENCE_RANGES) c.fail('sequence set too long');
    if (!c.tryChar(',')) return set;
  }
}

/**
 * Resolves a set against the largest number in use (`*`), giving sorted, merged, inclusive ranges
 * clipped to [1, max]. RFC 3501: "n:m" and "m:n" are the same range; `*` is `max` even when that
 * is below the other end. An empty mailbox gives [].
 */
export function resolveSequenceSet(set: SequenceSet, max: number): [number, number][] {
  if (max < 1) return [];
  const ranges: [number, number][] = [];
  for (const r of set) {
    let a = r.start === '*' ? max : r.start;
    let b = r.end === '*' ? max : r.end;
    if (a > b) [a, b] = [b, a];
    if (a > max) continue;
    ranges.push([a, Math.min(b, max)]);
  }
  return mergeRanges(ranges);
}

export function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Numbers (any order, duplicates allowed) to merged inclusive ranges. */
export function toRanges(numbers: Iterable<number>): [number, number][] {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}

/** "1:3,5,9:10" for [1,2,3,5,9,10]; order is kept when `keepOrder` (COPYUID pairs must align). */
export function compressSequenceSet(numbers: Iterable<number>, keepOrder = false): string {
  if (!keepOrder) return toRanges(numbers).map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');
  const parts: string[] = [];
  let start = -1;
  let prev = -1;
  const flush = () => {
    if (start >= 0) parts.push(start === prev ? `${start}` : `${start}:${prev}`);
  };
  for (const n of numbers) {
    if (start >= 0 && n === prev + 1) {
      prev = n;
      continue;
    }
    flush();
    start = prev = n;
  }
  flush();
  return parts.join(',');
}
