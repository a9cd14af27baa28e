import { metrics, type Counter, type Histogram } from '@opentelemetry/api';

let instruments: { runs: Counter; messages: Counter; bytes: Counter; errors: Counter; duration: Histogram } | undefined;

function get() {
  if (!instruments) {
    const meter = metrics.getMeter('migration');
    instruments = {
      runs: meter.createCounter('mail_fetch_runs_total', { description: 'Runs of external accounts (fetch), by protocol and result (ok, error)' }),
      messages: meter.createCounter('mail_fetch_messages_total', { description: 'Messages taken from external accounts and handed to delivery, by protocol' }),
      bytes: meter.createCounter('mail_fetch_bytes_total', { description: 'Bytes of the messages taken from external accounts, by protocol', unit: 'By' }),
      errors: meter.createCounter('mail_fetch_errors_total', { description: 'Failed runs of external accounts, by protocol and kind (auth, tls, timeout, connect, protocol, delivery, internal)' }),
      duration: meter.createHistogram('mail_fetch_run_duration_seconds', {
        description: 'Time one run of an external account took',
        unit: 's',
        advice: { explicitBucketBoundaries: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] },
      }),
    };
  }
  return instruments;
}

export const fetchMetrics = {
  run: (protocol: string, result: 'ok' | 'error', seconds: number) => {
    get().runs.add(1, { protocol, result });
    get().duration.record(seconds, { protocol });
  },
  message: (protocol: string, bytes: number) => {
    get().messages.add(1, { protocol });
    get().bytes.add(bytes, { protocol });
  },
  error: (protocol: string, kind: string) => get().errors.add(1, { protocol, kind }),
};
