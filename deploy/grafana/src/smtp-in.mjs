import { processRow, q, quantiles, row, stat, timeseries } from './panels.mjs';

export default {
  uid: 'mail-smtp-in',
  title: 'Mail platform: SMTP in',
  description: 'smtp-in: sessions per listener (MX 25, submission 587, submissions 465), accepted and refused mail, and its calls to the other services.',
  rows: [
    row('Rate (RED)', [
      stat('Sessions / s', 'SMTP sessions opened per second, all listeners and replicas.', [q('sum(rate(mail_smtp_sessions_total[$RATE]))')], 'reqps'),
      stat('Accepted / s', 'Messages accepted after DATA per second.', [q('sum(rate(mail_smtp_messages_accepted_total[$RATE]))')], 'reqps'),
      stat('Refused / s', 'Commands and messages refused per second, all reasons.', [q('sum(rate(mail_smtp_messages_rejected_total[$RATE]))')], 'reqps'),
      timeseries('Sessions by listener', 'Sessions opened per second on each listener: mx (25), submission (587, STARTTLS) and submissions (465, implicit TLS).',
        [q('sum by (listener) (rate(mail_smtp_sessions_total[$RATE]))', '{{listener}}')], 'reqps'),
      timeseries('Accepted per instance', 'Accepted messages per second per smtp-in replica: the load balancer should spread them evenly.',
        [q('sum by (instance) (rate(mail_smtp_messages_accepted_total[$RATE]))', '{{instance}}')], 'reqps'),
    ]),
    row('Errors', [
      timeseries('Refusals by reason', 'Why smtp-in said no: unknown_recipient, relay_denied, too_large, auth_failed, temporary_failure (a dependency failed: look at the bus latency below).',
        [q('sum by (reason) (rate(mail_smtp_messages_rejected_total[$RATE]))', '{{reason}}')], 'reqps'),
      timeseries('Refused fraction', 'Refusals per accepted-or-refused event. A jump with no traffic change is a misconfiguration (a domain removed, a connector rule).',
        [q('sum(rate(mail_smtp_messages_rejected_total[$RATE])) / (sum(rate(mail_smtp_messages_rejected_total[$RATE])) + sum(rate(mail_smtp_messages_accepted_total[$RATE])))', 'refused')], 'percentunit'),
    ]),
    row('TLS', [
      timeseries('Certificate expires in', 'Time left until the served certificate\'s notAfter, per instance. cert-manager renews 30 days ahead; under 14 days fires MailCertificateExpiringSoon.',
        [q('min by (instance) (mail_tls_certificate_not_after_seconds{job="smtp-in"}) - time()', '{{instance}}')], 's'),
      timeseries('Sessions on TLS listeners', 'Sessions per second on submissions (465, implicit TLS) against all sessions; STARTTLS on 25/587 happens inside the session.',
        [q('sum(rate(mail_smtp_sessions_total{listener="submissions"}[$RATE]))', 'submissions (465)'), q('sum(rate(mail_smtp_sessions_total[$RATE]))', 'all')], 'reqps'),
    ]),
    row('Duration', [
      timeseries('Calls from smtp-in, p95 by subject', 'How long smtp-in waits on recipient lookups, authentication, the store and the queue; each SMTP reply waits on these.',
        quantiles('mail_bus_request_duration_seconds', '{job="smtp-in"}', 'subject').slice(1, 2), 's'),
    ]),
    processRow('smtp-in'),
  ],
};
