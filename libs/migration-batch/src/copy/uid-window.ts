/**
 * The next UID window to ask the remote for. UIDs can be sparse (a folder of 50 messages may span
 * UIDs 1..2,000,000 after years of deletions), so the window grows while it comes back thin and
 * shrinks when it comes back fuller than wanted: each metadata FETCH stays near `target` messages
 * whatever the density, and no list of the whole folder is ever held.
 */
export function nextUidWindow(current: number, returned: number, target: number): number {
  const MAX = 1 << 22;
  if (returned === 0) return Math.min(MAX, current * 8);
  if (returned < target / 2) return Math.min(MAX, Math.max(current + 1, Math.floor((current * target) / returned / 2) * 2));
  if (returned > target * 2) return Math.max(target, Math.floor(current / 2));
  return current;
}

/**
 * Groups messages for body FETCHes: at most `maxCount` messages and `maxBytes` per group, so that
 * what the remote sends in one go is bounded; a message above `largeBytes` is its own group and is
 * streamed instead of fetched whole.
 */
export function bodyGroups<T extends { size: number }>(items: readonly T[], opts: { maxCount: number; maxBytes: number; largeBytes: number }): Array<{ large: boolean; items: T[] }> {
  const groups: Array<{ large: boolean; items: T[] }> = [];
  let current: T[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length) groups.push({ large: false, items: current });
    current = [];
    bytes = 0;
  };
  for (const item of items) {
    if (item.size > opts.largeBytes) {
      flush();
      groups.push({ large: true, items: [item] });
      continue;
    }
    if (current.length >= opts.maxCount || (current.length && bytes + item.size > opts.maxBytes)) flush();
    current.push(item);
    bytes += item.size;
  }
  flush();
  return groups;
}
