/**
 * Drops a Map's oldest entries (insertion order) until it holds at most `max`: how the caches and
 * per-key counters here stay bounded when a flood of new keys arrives. Deleting the key an
 * iterator stands on is safe for a Map; the loop ends as soon as the size is right.
 */
export function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
