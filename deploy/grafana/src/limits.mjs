import { q, row, stat, timeseries } from './panels.mjs';

// Every limit of libs/limits and docs/security.md, with what it refused. A refusal of one client is
// the limit working; a refusal at the listener or process limit, or for every client, is capacity.
export default {
  uid: 'mail-limits',
  title: 'Mail platform: limits and refusals',
  description: 'The protective limits (docs/security.md): connections, rates, deadlines, login throttling, PROXY protocol headers and the shared rate counters, with what each refused.',
  rows: [
    row('Connections (ADR 0009)', [
      stat('Connection budget used', 'Client connections held as a fraction of the process budget (PROCESS_MAX_CONNECTIONS, below the descriptor limit), the fullest instance. Over 90 % fires MailConnectionBudgetNearlyFull.',
        [q('max(mail_process_connections_open / mail_process_connections_max)')], 'percentunit', { max: 1 }),
      timeseries('Connections refused by limit', 'Connections refused per second by protocol and limit: client (one address over *_MAX_CONNECTIONS_PER_IP: an abuser, the limit working), listener (*_MAX_CONNECTIONS) or process (the budget). Listener and process refusals are capacity (MailConnectionsRefusedAtCapacity).',
        [q('sum by (protocol, limit) (rate(mail_connections_refused_total[$RATE]))', '{{protocol}} {{limit}}')], 'reqps'),
      timeseries('Connections open per listener', 'Client connections held, by protocol and listener, all replicas.',
        [q('sum by (protocol, listener) (mail_connections_open)', '{{protocol}} {{listener}}')]),
      timeseries('Closed at the deadline', 'Connections closed because they did not log in (IMAP, POP3: PREAUTH_DEADLINE_MS) or reach MAIL FROM (SMTP: SMTP_PRE_MAIL_DEADLINE_MS) in time, per second: slowloris and stuck clients.',
        [q('sum by (protocol) (rate(mail_connections_deadline_total[$RATE]))', '{{protocol}}')], 'reqps'),
    ]),
    row('Rates (ADR 0039)', [
      timeseries('Rate-limited by limit', 'Commands slowed (commands: COMMANDS_PER_SECOND) and SMTP transactions or recipients refused with 450 4.7.1 (messages, recipients: per client per minute, cluster-wide) or connections closed for unknown recipients (failed_recipients), per second.',
        [q('sum by (protocol, limit) (rate(mail_rate_limited_total[$RATE]))', '{{protocol}} {{limit}}')], 'reqps'),
      timeseries('SMTP refusals by reason', 'Commands and messages smtp-in refused per second, by reason (too_many_recipients: MAX_RECIPIENTS, too_large: MAX_MESSAGE_SIZE, and the address and policy reasons).',
        [q('sum by (reason) (rate(mail_smtp_messages_rejected_total[$RATE]))', '{{reason}}')], 'reqps'),
      timeseries('Connector refusals by reason', "Messages inbound connectors refused per second, by connector and reason; rate_limited is a relay connector's maxMessagesPerMinute.",
        [q('sum by (connector, reason) (rate(mail_connector_refusals_total[$RATE]))', '{{connector}} {{reason}}')], 'reqps'),
      timeseries('Shared rate counters unreachable', 'Failed exchanges with the NATS KV rate counters per second, by limit: meanwhile each replica counts alone (the per-replica limit). Fires MailLimitStoreUnreachable when it lasts.',
        [q('sum by (limit) (rate(mail_limit_store_errors_total[$RATE]))', '{{limit}}')], 'reqps'),
    ]),
    row('Logins (ADR 0010)', [
      timeseries('Logins refused by throttling', 'Logins refused before the password was checked, per second: locked (name or name+client over its failures), throttled (client over AUTH_MAX_FAILURES_PER_CLIENT), busy (the hash queue full).',
        [q('sum by (result) (rate(mail_auth_logins_total{result=~"locked|throttled|busy"}[$RATE]))', '{{result}}')], 'reqps'),
      timeseries('Password hashes running and waiting', 'argon2 hashes computing and queued in the auth service (AUTH_HASH_CONCURRENCY, AUTH_HASH_QUEUE): a full queue answers logins busy.',
        [q('sum(mail_auth_hashes_running)', 'running'), q('sum(mail_auth_hashes_waiting)', 'waiting')]),
    ]),
    row('PROXY protocol (ADR 0025)', [
      timeseries('PROXY headers by outcome', 'On listeners in PROXY_PROTOCOL_LISTENERS, per second: accepted, local (health checks), and refused: missing or invalid (from a trusted balancer: its PROXY setting is off or wrong, MailProxyHeadersFailing), untrusted (a header from outside PROXY_TRUSTED_CIDRS).',
        [q('sum by (listener, outcome) (rate(mail_proxy_headers_total[$RATE]))', '{{listener}} {{outcome}}')], 'reqps'),
    ]),
  ],
};
