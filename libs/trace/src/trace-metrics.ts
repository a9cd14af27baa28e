import { metrics, type Counter } from '@opentelemetry/api';

let instruments: { recorded: Counter; dropped: Counter } | undefined;

function get() {
  if (!instruments) {
    const meter = metrics.getMeter('trace');
    instruments = {
      recorded: meter.createCounter('mail_trace_steps_recorded_total', { description: 'Message trace steps written to the trace store' }),
      dropped: meter.createCounter('mail_trace_steps_dropped_total', { description: 'Message trace steps dropped because the trace store fell too far behind' }),
    };
  }
  return instruments;
}

export const traceMetrics = {
  recorded: (n: number) => get().recorded.add(n),
  dropped: (n: number) => get().dropped.add(n),
};
