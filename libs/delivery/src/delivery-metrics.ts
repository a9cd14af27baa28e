import { metrics, type Counter, type Histogram } from '@opentelemetry/api';

export type AttemptResult = 'delivered' | 'relayed' | 'deferred' | 'bounced' | 'failed';

let instruments: { attempts: Counter; latency: Histogram; taken: Counter } | undefined;

function get() {
  if (!instruments) {
    const meter = metrics.getMeter('delivery');
    instruments = {
      attempts: meter.createCounter('mail_delivery_attempts_total', { description: 'Delivery attempts per recipient, by result' }),
      taken: meter.createCounter('mail_delivery_recipients_taken_total', {
        description: 'Recipients workers took to attempt, by how: handed off by the enqueuing replica, or claimed from the queue (retries, other replicas, expired leases)',
      }),
      latency: meter.createHistogram('mail_delivery_latency_seconds', {
        description: 'Time from reception to final delivery',
        unit: 's',
        advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400] },
      }),
    };
  }
  return instruments;
}

export const deliveryMetrics = {
  attempt: (result: AttemptResult) => get().attempts.add(1, { result }),
  delivered: (receivedAt: Date) => get().latency.record(Math.max(0, (Date.now() - receivedAt.getTime()) / 1000)),
  taken: (how: 'handoff' | 'claim', recipients: number) => get().taken.add(recipients, { how }),
};

/**
 * mail_queue_depth as an observable gauge. The scrape reads a cached value and at most every
 * `maxAgeMs` triggers one cheap count in the background, so scrapes never wait on the database.
 */
export function registerQueueDepthGauge(count: () => Promise<number>, maxAgeMs = 5000): () => void {
  let value = 0;
  let fetchedAt = 0;
  let inFlight = false;
  const gauge = metrics.getMeter('delivery').createObservableGauge('mail_queue_depth', { description: 'Recipients waiting in the queue (queued or deferred)' });
  const callback = (result: { observe(v: number): void }) => {
    if (!inFlight && Date.now() - fetchedAt >= maxAgeMs) {
      inFlight = true;
      count()
        .then((n) => {
          value = n;
          fetchedAt = Date.now();
        })
        .catch(() => undefined)
        .finally(() => (inFlight = false));
    }
    result.observe(value);
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}
