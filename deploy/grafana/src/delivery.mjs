import { processRow, q, quantiles, row, stat, timeseries } from './panels.mjs';

export default {
  uid: 'mail-delivery',
  title: 'Mail platform: delivery',
  description: 'The delivery queue and its workers: depth, attempts by result, failures and latency from reception to delivery.',
  rows: [
    row('Queue', [
      stat('Queue depth', 'Recipients queued or deferred now (one shared queue; max over replicas).', [q('max(mail_queue_depth)')]),
      stat('Delivered / s', 'Recipients delivered locally or relayed per second.', [q('sum(rate(mail_delivery_attempts_total{result=~"delivered|relayed"}[$RATE]))')], 'reqps'),
      stat('Deferred / s', 'Attempts that will be retried later, per second.', [q('sum(rate(mail_delivery_attempts_total{result="deferred"}[$RATE]))')], 'reqps'),
      timeseries('Queue depth', 'Recipients waiting, over time. Depth that only grows means workers or remote hosts cannot keep up.', [q('max(mail_queue_depth)', 'waiting')]),
      timeseries('Oldest waiting recipient', 'How long the oldest queued or deferred recipient has waited since its message was received. Over 6 hours fires MailQueueOldestTooOld.',
        [q('max(mail_queue_oldest_age_seconds)', 'oldest')], 's'),
      timeseries('Work taken by how', 'Recipients workers took per second: handoff (the enqueuing replica delivers at once) or claim (retries, other replicas, expired leases). A rise in claims means handoffs fail or replicas restart.',
        [q('sum by (how) (rate(mail_delivery_recipients_taken_total[$RATE]))', '{{how}}')], 'reqps'),
    ]),
    row('Attempts and errors (RED)', [
      timeseries('Attempts by result', 'Delivery attempts per recipient and second: delivered, relayed, deferred (temporary, retried), bounced (permanent, a DSN goes back), failed.',
        [q('sum by (result) (rate(mail_delivery_attempts_total[$RATE]))', '{{result}}')], 'reqps'),
      timeseries('Failure ratio', 'Attempts not delivered or relayed, as a fraction of all. MailDeliveryFailureRatioHigh fires above 25% for 15 minutes.',
        [q('sum(rate(mail_delivery_attempts_total{result!~"delivered|relayed"}[$RATE])) / sum(rate(mail_delivery_attempts_total[$RATE]))', 'failed')], 'percentunit'),
      timeseries('Latency reception → delivery', 'Quantiles of the time from reception to final delivery. MailDeliveryLatencyHigh fires when p95 exceeds 5 minutes.',
        quantiles('mail_delivery_latency_seconds'), 's'),
    ]),
    processRow('delivery'),
  ],
};
