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

let indexed: Counter | undefined;

/**
 * Where a new message's index came from: carried with the message (ADR 0007), or parsed from the
 * blob (no index carried, too large to carry, or unusable). A growing share of `parsed` under
 * ordinary mail means the store is reading back blobs it need not read.
 */
export function recordIndexSource(source: 'carried' | 'parsed'): void {
  indexed ??= metrics.getMeter('store').createCounter('mail_store_message_index_total', { description: 'Messages indexed, by where the index came from' });
  indexed.add(1, { source });
}
