import { metrics, type Counter, type Histogram } from '@opentelemetry/api';

export type AttemptResult = 'delivered' | 'relayed' | 'deferred' | 'bounced' | 'failed';

let instruments: { attempts: Counter; latency: Histogram; taken: Counter; renewals: Counter } | undefined;

function get() {
  if (!instruments) {
    const meter = metrics.getMeter('delivery');
    instruments = {
      attempts: meter.createCounter('mail_delivery_attempts_total', { description: 'Delivery attempts per recipient, by result' }),
      taken: meter.createCounter('mail_delivery_recipients_taken_total', {
        description: 'Recipients workers took to attempt, by how: handed off by the enqueuing replica, or claimed from the queue (retries, other replicas, expired leases)',
      }),
      renewals: meter.createCounter('mail_delivery_lease_renewals_total', {
        description: 'Heartbeats renewing the queue leases this replica holds (ADR 0036), by result; failures in a row longer than QUEUE_LEASE_MS let other replicas take the work over',
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
  leaseRenewal: (result: 'ok' | 'failed') => get().renewals.add(1, { result }),
};

export interface QueueStats {
  /** recipients queued or deferred */
  depth: number;
  /** seconds since the oldest waiting recipient's message was received (0 when none waits) */
  oldestAgeSeconds: number;
}

/**
 * mail_queue_depth and mail_queue_oldest_age_seconds as observable gauges. A scrape reads cached
 * values and at most every `maxAgeMs` triggers one cheap query in the background, so scrapes never
 * wait on the database. The age is extrapolated between queries (it grows while nothing moves).
 */
export function registerQueueGauges(stats: () => Promise<QueueStats>, maxAgeMs = 5000): () => void {
  let value: QueueStats = { depth: 0, oldestAgeSeconds: 0 };
  let fetchedAt = 0;
  let inFlight = false;
  const meter = metrics.getMeter('delivery');
  const depth = meter.createObservableGauge('mail_queue_depth', { description: 'Recipients waiting in the queue (queued or deferred)' });
  const age = meter.createObservableGauge('mail_queue_oldest_age_seconds', { description: 'Age of the oldest waiting recipient, since its message was received', unit: 's' });
  const refresh = () => {
    if (inFlight || Date.now() - fetchedAt < maxAgeMs) return;
    inFlight = true;
    stats()
      .then((v) => {
        value = v;
        fetchedAt = Date.now();
      })
      .catch(() => undefined)
      .finally(() => (inFlight = false));
  };
  const observeDepth = (r: { observe(v: number): void }) => {
    refresh();
    r.observe(value.depth);
  };
  const observeAge = (r: { observe(v: number): void }) => {
    const since = fetchedAt && value.depth > 0 ? (Date.now() - fetchedAt) / 1000 : 0;
    r.observe(value.oldestAgeSeconds + since);
  };
  depth.addCallback(observeDepth);
  age.addCallback(observeAge);
  return () => {
    depth.removeCallback(observeDepth);
    age.removeCallback(observeAge);
  };
}
