import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { esortUpdateResponse, sortedContextChanges, sortedRemovals, type ContextRun } from './context-sort.js';

/** what a client does with the pairs (RFC 5267 4.3): removals in turn, then additions in turn */
function apply(list: number[], changes: { removed: ContextRun[]; added: ContextRun[] }): number[] {
  const out = [...list];
  for (const r of changes.removed) {
    const cut = out.splice(r.position - 1, r.items.length);
    assert.deepEqual(cut, r.items, 'a REMOVEFROM names the items at its position');
  }
  for (const a of changes.added) {
    assert.ok(a.position - 1 <= out.length, 'an ADDTO position is inside the list or just after it');
    out.splice(a.position - 1, 0, ...a.items);
  }
  return out;
}

describe('CONTEXT=SORT (RFC 5267 4.3): ADDTO/REMOVEFROM with positions in sort order', () => {
  it('places additions and removals where a client applying them in order expects them', () => {
    // the example of another implementation's tests: [4,3,2,1] + 5 at the front; 2 removed at position 3
    assert.deepEqual(sortedContextChanges([4, 3, 2, 1], [5, 4, 3, 2, 1]), { removed: [], added: [{ position: 1, items: [5] }] });
    assert.deepEqual(sortedContextChanges([4, 3, 2, 1], [4, 3, 1]), { removed: [{ position: 3, items: [2] }], added: [] });
    const c = sortedContextChanges([1, 2, 3, 4, 5, 6], [1, 9, 3, 6, 7, 8]);
    assert.deepEqual(c.removed, [
      { position: 2, items: [2] },
      { position: 3, items: [4, 5] },
    ]);
    assert.deepEqual(c.added, [
      { position: 2, items: [9] },
      { position: 5, items: [7, 8] },
    ]);
    assert.deepEqual(apply([1, 2, 3, 4, 5, 6], c), [1, 9, 3, 6, 7, 8]);
    assert.deepEqual(sortedContextChanges([], []), { removed: [], added: [] });
    assert.deepEqual(sortedContextChanges([3, 1], []).removed, [{ position: 1, items: [3, 1] }]);
  });

  it('gives the RFC 5267 4.3.3 example in its preferred form, which a client applying pairs in order reads as the other two', () => {
    // RFC 5267 4.3.3: a context holding 2734:2735 gains 2731:2733 in front; of the RFC's equivalent forms,
    // one is two pairs in one response, "ADDTO (1 2733) ADDTO (1 2731:2732)", and the preferred is
    // "ADDTO (1 2731:2733)". Positions are 1-based; the first item of a set takes the
    // position and what stood there moves later (4.3.3); a REMOVEFROM set starts at the position its first
    // item held before removal (4.3.4).
    const changes = sortedContextChanges([2734, 2735], [2731, 2732, 2733, 2734, 2735]);
    assert.deepEqual(changes, { removed: [], added: [{ position: 1, items: [2731, 2732, 2733] }] });
    assert.equal(esortUpdateResponse('C01', true, 'ADDTO', changes.added), '* ESEARCH (TAG "C01") UID ADDTO (1 2731:2733)\r\n');
    const stepwise = apply(apply([2734, 2735], { removed: [], added: [{ position: 1, items: [2733] }] }), { removed: [], added: [{ position: 1, items: [2731, 2732] }] });
    assert.deepEqual(stepwise, apply([2734, 2735], changes));
  });

  it('round-trips random lists that keep the relative order of common items', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 500; round++) {
      // a fixed total order (the sort), two random subsets of it
      const universe = Array.from({ length: 1 + rnd(40) }, (_, i) => i + 1).sort(() => rnd(3) - 1);
      const before = universe.filter(() => rnd(2) === 0);
      const after = universe.filter(() => rnd(2) === 0);
      assert.deepEqual(apply(before, sortedContextChanges(before, after)), after);
    }
  });

  it('removes expunged items by their positions as the client removes them', () => {
    assert.deepEqual(sortedRemovals([5, 3, 4, 2, 1], new Set([3, 2, 1])), [
      { position: 2, items: [3] },
      { position: 3, items: [2, 1] },
    ]);
    assert.deepEqual(sortedRemovals([5, 3], new Set([9])), []);
  });

  it('writes the pairs byte for byte, each set in sort order', () => {
    assert.equal(esortUpdateResponse('B01', true, 'ADDTO', [{ position: 1, items: [2733, 2731, 2732] }]), '* ESEARCH (TAG "B01") UID ADDTO (1 2733,2731:2732)\r\n');
    assert.equal(
      esortUpdateResponse('t', false, 'REMOVEFROM', [
        { position: 2, items: [2] },
        { position: 3, items: [5, 4] },
      ]),
      '* ESEARCH (TAG "t") REMOVEFROM (2 2 3 5,4)\r\n',
    );
  });
});
