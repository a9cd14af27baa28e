import { processRow, q, quantiles, row, stat, timeseries } from './panels.mjs';

export default {
  uid: 'mail-overview',
  title: 'Mail platform: overview',
  description: 'Mail in and out, queue, errors and latency across the platform; the other dashboards drill into one service each.',
  rows: [
    row('Now', [
      stat('Services up', 'Scrape targets of the six mail services that answer. Fewer than the replicas you run means a pod is down (MailServiceDown).', [q('sum(up{job=~"smtp-in|delivery|access|auth|store|admin-api"})')]),
      stat('Mail in / s', 'Messages accepted by smtp-in per second (after DATA), all listeners.', [q('sum(rate(mail_smtp_messages_accepted_total[$RATE]))')], 'reqps'),
      stat('Mail out / s', 'Recipients delivered per second: local mailboxes and remote relays.', [q('sum(rate(mail_delivery_attempts_total{result=~"delivered|relayed"}[$RATE]))')], 'reqps'),
      stat('Queue depth', 'Recipients waiting for delivery (queued or deferred). Every delivery replica reports the same shared queue, hence max.', [q('max(mail_queue_depth)')]),
    ]),
    row('Rate and errors (RED)', [
      timeseries('Mail in and out', 'Accepted messages (in) and delivered recipients (out) per second. Out lags in by the queue; a widening gap means the queue grows.',
        [q('sum(rate(mail_smtp_messages_accepted_total[$RATE]))', 'in: accepted'), q('sum(rate(mail_delivery_attempts_total{result=~"delivered|relayed"}[$RATE]))', 'out: delivered')], 'reqps'),
      timeseries('Refused by smtp-in', 'SMTP commands and messages refused, by reason. unknown_recipient and relay_denied are normal background noise; auth_failed spikes are attacks.',
        [q('sum by (reason) (rate(mail_smtp_messages_rejected_total[$RATE]))', '{{reason}}')], 'reqps'),
      timeseries('Delivery failures', 'Fraction of delivery attempts that did not succeed (deferred, bounced, failed). MailDeliveryFailureRatioHigh fires above 25%.',
        [q('sum(rate(mail_delivery_attempts_total{result!~"delivered|relayed"}[$RATE])) / sum(rate(mail_delivery_attempts_total[$RATE]))', 'failed')], 'percentunit'),
    ]),
    row('Duration and queue', [
      timeseries('Delivery latency', 'From reception to final delivery, quantiles over all recipients. Local delivery takes milliseconds; remote retries stretch p99.',
        quantiles('mail_delivery_latency_seconds'), 's'),
      timeseries('Bus request latency p99', 'p99 of requests between services, per subject: the subject names the answering service (mail.v1.store.* → store).',
        [q('histogram_quantile(0.99, sum by (le, subject) (rate(mail_bus_request_duration_seconds_bucket[$RATE])))', '{{subject}}')], 's'),
      timeseries('Queue depth and age', 'Recipients waiting for delivery (left) and how long the oldest has waited (right). Growth above 500 for 30 minutes fires MailQueueDepthGrowing; an oldest age over 6 hours fires MailQueueOldestTooOld.',
        [q('max(mail_queue_depth)', 'waiting'), q('max(mail_queue_oldest_age_seconds)', 'oldest age (s)')]),
    ]),
    processRow('smtp-in|delivery|access|auth|store|admin-api'),
  ],
};
