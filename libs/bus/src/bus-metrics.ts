import { metrics, type Histogram } from '@opentelemetry/api';

let cached: { requested: Histogram; handled: Histogram } | undefined;

/** Created lazily so that they bind to the meter provider telemetry registered at start-up. */
export function busMetrics() {
  cached ??= {
    requested: metrics.getMeter('mail-bus').createHistogram('mail_bus_request_duration_seconds', {
      description: 'Round trip of bus requests as the caller sees it',
      unit: 's',
    }),
    handled: metrics.getMeter('mail-bus').createHistogram('mail_bus_handler_duration_seconds', {
      description: 'Time spent in bus request handlers',
      unit: 's',
    }),
  };
  return cached;
}
