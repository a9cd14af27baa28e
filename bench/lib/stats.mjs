// Percentiles and min/median/max over repetitions.
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function latencySummary(values) {
  const s = Float64Array.from(values).sort();
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

export function spread(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return { min: v[0], median: v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2, max: v[v.length - 1], n: v.length };
}
