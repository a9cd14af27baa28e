import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Cursor } from './cursor.js';
import { compressSequenceSet, mergeRanges, parseSequenceSet, resolveSequenceSet, toRanges } from './sequence-set.js';
import type { SeqNumber } from './types.js';

const parse = (text: string) => parseSequenceSet(new Cursor(Buffer.from(text)));
const text = (n: SeqNumber) => String(n);

/** the obvious model: every number each range names, with `*` as `max`, clipped to 1..max */
function model(set: Array<{ start: SeqNumber; end: SeqNumber }>, max: number): Set<number> {
  const out = new Set<number>();
  for (const r of set) {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    for (let n = Math.min(a, b); n <= Math.max(a, b); n++) if (n >= 1 && n <= max) out.add(n);
  }
  return out;
}

const expand = (ranges: [number, number][]) => ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
const seqNumber = fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constant('*' as const));
const sequenceSet = fc.array(fc.record({ start: seqNumber, end: seqNumber }), { minLength: 1, maxLength: 8 });

describe('sequence sets (property tests, RFC 3501 sequence-set)', () => {
  it('resolves like the model: "n:m" = "m:n", * is the largest number, clipped, sorted and merged', () => {
    fc.assert(
      fc.property(sequenceSet, fc.integer({ min: 0, max: 100 }), (set, max) => {
        const wire = set.map((r) => (r.start === r.end ? text(r.start) : `${text(r.start)}:${text(r.end)}`)).join(',');
        const resolved = resolveSequenceSet(parse(wire), max);
        assert.deepEqual(resolved, toRanges(model(set, max)));
      }),
      { numRuns: 500 },
    );
  });

  it('merged ranges are sorted, disjoint and not adjacent, and name the same numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 20 })), { maxLength: 20 }), (pairs) => {
        const ranges = pairs.map(([a, len]) => [a, a + len] as [number, number]);
        const merged = mergeRanges(ranges);
        for (let i = 1; i < merged.length; i++) assert.ok(merged[i][0] > merged[i - 1][1] + 1, 'a gap between ranges');
        assert.deepEqual(new Set(expand(merged)), new Set(expand(ranges)));
      }),
      { numRuns: 500 },
    );
  });

  it('compressing and parsing back gives the same numbers; with keepOrder, in the same order (COPYUID)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 30 }), (numbers) => {
        const max = Math.max(...numbers);
        assert.deepEqual(expand(resolveSequenceSet(parse(compressSequenceSet(numbers)), max)), [...new Set(numbers)].sort((a, b) => a - b));
        const ordered = parse(compressSequenceSet(numbers, true)).flatMap((r) => expand([[r.start as number, r.end as number]]));
        assert.deepEqual(ordered, numbers);
      }),
      { numRuns: 500 },
    );
  });
});
