import { processRow, q, quantiles, row, timeseries } from './panels.mjs';

export default {
  uid: 'mail-access',
  title: 'Mail platform: access (IMAP, POP3) and logins',
  description: 'Mailbox access: logins per protocol and result, and how long access waits on auth and store.',
  rows: [
    row('Logins (RED)', [
      timeseries('Logins by protocol', 'Login attempts per second per protocol (imap, pop3, smtp submission), all results.',
        [q('sum by (protocol) (rate(mail_auth_logins_total[$RATE]))', '{{protocol}}')], 'reqps'),
      timeseries('Logins by result', 'ok, invalid (wrong password or user), locked (throttled), disabled. A wall of invalid is password spraying (MailAuthFailureSpike).',
        [q('sum by (result) (rate(mail_auth_logins_total[$RATE]))', '{{result}}')], 'reqps'),
      timeseries('Failed login fraction', 'Failed logins as a fraction of all logins, per protocol.',
        [q('sum by (protocol) (rate(mail_auth_logins_total{result!="ok"}[$RATE])) / sum by (protocol) (rate(mail_auth_logins_total[$RATE]))', '{{protocol}}')], 'percentunit'),
    ]),
    row('TLS', [
      timeseries('Certificate expires in', 'Time left until the certificate access serves for IMAPS/POP3S and STARTTLS/STLS expires, per instance. Under 14 days fires MailCertificateExpiringSoon.',
        [q('min by (instance) (mail_tls_certificate_not_after_seconds{job="access"}) - time()', '{{instance}}')], 's'),
    ]),
    row('Duration', [
      timeseries('Calls from access, p95 by subject', 'How long IMAP/POP3 commands wait on auth and the store (mailbox listings, fetches, flag changes), per bus subject.',
        quantiles('mail_bus_request_duration_seconds', '{job="access"}', 'subject').slice(1, 2), 's'),
      timeseries('Calls from access per second', 'Requests access sends to the other services per second, per subject: the command mix as the back end sees it.',
        [q('sum by (subject) (rate(mail_bus_request_duration_seconds_count{job="access"}[$RATE]))', '{{subject}}')], 'reqps'),
    ]),
    processRow('access|auth'),
  ],
};
