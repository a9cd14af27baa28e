import { metrics, type Counter, type Histogram } from '@opentelemetry/api';

let appends: Counter | undefined;
let appendDuration: Histogram | undefined;

/** Created on first use so they bind to the meter provider telemetry registered at start-up. */
export function recordAppend(result: 'ok' | 'duplicate' | 'error', seconds: number): void {
  const meter = metrics.getMeter('store');
  appends ??= meter.createCounter('mail_store_appends_total', { description: 'AppendMessage requests by result' });
  appendDuration ??= meter.createHistogram('mail_store_append_duration_seconds', { description: 'AppendMessage latency', unit: 's' });
  appends.add(1, { result });
  appendDuration.record(seconds, { result });
}
