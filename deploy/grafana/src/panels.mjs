// Building blocks for the dashboards in this folder; scripts/render-dashboards.mjs lays them out.
// Every panel must say what it shows and how to read it (`description`), RED for request paths
// (rate, errors, duration), USE for resources (utilisation, saturation, errors).
export const DS = { type: 'prometheus', uid: 'prometheus' };
const RATE = '$__rate_interval';

export const q = (expr, legend) => ({ expr: expr.replaceAll('$RATE', RATE), legend });
export const timeseries = (title, description, queries, unit = 'short', extra = {}) => ({ type: 'timeseries', title, description, queries, unit, ...extra });
export const stat = (title, description, queries, unit = 'short', extra = {}) => ({ type: 'stat', title, description, queries, unit, ...extra });
export const row = (title, panels) => ({ row: title, panels });

/** p50/p95/p99 of a histogram, optionally restricted by a label matcher */
export const quantiles = (metric, matcher = '', by = '') => [0.5, 0.95, 0.99].map((p) =>
  q(`histogram_quantile(${p}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket${matcher}[$RATE])))`, `p${p * 100}${by ? ` {{${by}}}` : ''}`));

/** The USE row every service dashboard ends with: memory against the limit, CPU, event-loop delay. */
export const processRow = (jobs) => row('Process resources (USE)', [
  timeseries('Memory used / limit', `Resident memory of each ${jobs} process as a fraction of its container limit (process_memory_limit_bytes). MailProcessMemoryNearLimit fires above 85%.`,
    [q(`process_resident_memory_bytes{job=~"${jobs}"} / on (job, instance) process_memory_limit_bytes{job=~"${jobs}"}`, '{{job}} {{instance}}')], 'percentunit', { max: 1 }),
  timeseries('CPU', `CPU seconds per second of each ${jobs} process (1 = one full core).`,
    [q(`rate(process_cpu_seconds_total{job=~"${jobs}"}[$RATE])`, '{{job}} {{instance}}')], 'short'),
  timeseries('Event-loop delay p99', `99th percentile event-loop delay: above ~100 ms the process is CPU-saturated and every connection it holds waits.`,
    [q(`nodejs_eventloop_delay_p99_seconds{job=~"${jobs}"}`, '{{job}} {{instance}}')], 's'),
]);
