import { imapString, untagged } from './response.js';
import { orderedSet } from './sort.js';

/** One `position set` pair of ADDTO/REMOVEFROM: the items sit at consecutive positions from `position` (1-based). */
export interface ContextRun {
  position: number;
  items: number[];
}

/**
 * How a sorted UPDATE context (RFC 5267 4.3, CONTEXT=SORT) goes from `before` to `after`, both lists
 * of the same kind of item (UIDs) in sort order, as pairs a client applies in the order given:
 * first the removals, each position counted in the list as it is at that point (runs of neighbours
 * removed together), then the additions, each at its place in the final list (ascending, so every
 * item before a run is already where it ends up). Items common to both lists must keep their
 * relative order: true here, as sort keys never change (a message's date, size, subject and
 * addresses are fixed, the tie-breaker is mailbox order).
 */
export function sortedContextChanges(before: readonly number[], after: readonly number[]): { removed: ContextRun[]; added: ContextRun[] } {
  const keep = new Set(after);
  const had = new Set(before);
  return { removed: runs(before, (x) => !keep.has(x), true), added: runs(after, (x) => !had.has(x), false) };
}

/** REMOVEFROM for the items of `gone` that `list` (in sort order) holds, positions as the client removes them in turn */
export function sortedRemovals(list: readonly number[], gone: ReadonlySet<number>): ContextRun[] {
  return runs(list, (x) => gone.has(x), true);
}

/**
 * Runs of neighbouring items of `list` that `pick` selects. With `shrinking`, the selected items are
 * taken out as the runs are applied, so each run's position is less by the items taken before it.
 */
function runs(list: readonly number[], pick: (x: number) => boolean, shrinking: boolean): ContextRun[] {
  const out: ContextRun[] = [];
  let taken = 0;
  let current: ContextRun | null = null;
  list.forEach((x, i) => {
    if (!pick(x)) {
      current = null;
      return;
    }
    if (!current) {
      current = { position: i + 1 - (shrinking ? taken : 0), items: [] };
      out.push(current);
    }
    current.items.push(x);
    taken++;
  });
  return out;
}

/**
 * `* ESEARCH (TAG "t") [UID] ADDTO (pos set pos set ...)` for a sorted context (RFC 5267 4.3): each
 * set in sort order, a range only for numbers that follow each other upwards in it.
 */
export function esortUpdateResponse(tag: string, uid: boolean, kind: 'ADDTO' | 'REMOVEFROM', runs: readonly ContextRun[]): string {
  const pairs = runs.map((r) => `${r.position} ${orderedSet(r.items)}`).join(' ');
  return untagged(`ESEARCH (TAG ${imapString(tag)})${uid ? ' UID' : ''} ${kind} (${pairs})`);
}
