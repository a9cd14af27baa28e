import { processRow, q, quantiles, row, stat, timeseries } from './panels.mjs';

export default {
  uid: 'mail-access',
  title: 'Mail platform: access (IMAP, POP3) and logins',
  description: 'Mailbox access: logins per protocol and result, and how long access waits on auth and store.',
  rows: [
    row('Sessions and commands (RED)', [
      stat('IMAP sessions', 'IMAP sessions open now, all access replicas.', [q('sum(mail_imap_connections)')]),
      stat('POP3 sessions', 'POP3 sessions open now, all access replicas.', [q('sum(mail_pop3_connections)')]),
      stat('Commands / s', 'IMAP and POP3 commands per second, all replicas.', [q('sum(rate(mail_imap_commands_total[$RATE])) + sum(rate(mail_pop3_commands_total[$RATE]))')], 'reqps'),
      timeseries('Open sessions per instance', 'IMAP and POP3 sessions open on each access replica (USE: utilisation). IDLE clients keep IMAP sessions open for hours, so this is mostly the number of connected clients.',
        [q('sum by (instance) (mail_imap_connections)', 'imap {{instance}}'), q('sum by (instance) (mail_pop3_connections)', 'pop3 {{instance}}')]),
      timeseries('IMAP commands by name', 'IMAP commands per second by command name: the client mix (FETCH, UID FETCH, IDLE, SEARCH...).',
        [q('sum by (command) (rate(mail_imap_commands_total[$RATE]))', '{{command}}')], 'reqps'),
      timeseries('Command errors', 'IMAP commands answered NO or BAD, and POP3 commands answered -ERR, per second by command. BAD means a client bug or an attack; NO a refused operation.',
        [q('sum by (command, result) (rate(mail_imap_commands_total{result!="ok"}[$RATE]))', 'imap {{command}} {{result}}'), q('sum by (command) (rate(mail_pop3_commands_total{result!="ok"}[$RATE]))', 'pop3 {{command}}')], 'reqps'),
      timeseries('IMAP command latency p95', 'p95 from reading a command to sending its completion, by command. FETCH of large bodies and SEARCH are the slow ones.',
        [q('histogram_quantile(0.95, sum by (le, command) (rate(mail_imap_command_duration_seconds_bucket[$RATE])))', '{{command}}')], 's'),
      timeseries('POP3 command latency p95', 'p95 from reading a POP3 command to its answer, by command (RETR streams the body).',
        [q('histogram_quantile(0.95, sum by (le, command) (rate(mail_pop3_command_duration_seconds_bucket[$RATE])))', '{{command}}')], 's'),
    ]),
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
