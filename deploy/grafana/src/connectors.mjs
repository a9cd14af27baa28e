import { q, row, timeseries } from './panels.mjs';

export default {
  uid: 'mail-connectors',
  title: 'Mail platform: connectors',
  description: 'Inbound connectors (partner, onPremises, filter, relay) and outbound connectors (smart hosts): traffic, refusals and failures by reason, TLS versions, per connector.',
  rows: [
    row('Inbound connectors', [
      timeseries('Accepted messages / s by connector', 'Messages accepted on the MX port and attributed to an inbound connector (partner, onPremises, filter, relay), per second.',
        [q('sum by (connector) (rate(mail_connector_messages_total{direction="inbound",result="accepted"}[$RATE]))', '{{connector}}')], 'reqps'),
      timeseries('Accepted bytes / s by connector', 'Size of the messages inbound connectors accepted, per second.',
        [q('sum by (connector) (rate(mail_connector_bytes_total{direction="inbound"}[$RATE]))', '{{connector}}')], 'Bps'),
      timeseries('Refusals / s by connector and reason', 'Messages refused because a connector\'s rule was not met: tls_required, ip_not_allowed, certificate_required, sender_not_hosted, rate_limited.',
        [q('sum by (connector, reason) (rate(mail_connector_refusals_total{direction="inbound"}[$RATE]))', '{{connector}} {{reason}}')], 'reqps'),
      timeseries('Inbound TLS versions', 'Messages accepted through connectors by the TLS version of the session (none: plaintext).',
        [q('sum by (connector, version) (rate(mail_connector_tls_total{direction="inbound"}[$RATE]))', '{{connector}} {{version}}')], 'reqps'),
    ]),
    row('Outbound connectors (smart hosts)', [
      timeseries('Relayed / deferred / failed per connector', 'Recipients sent through an outbound connector per second, by result: relayed (accepted by the smart host), deferred (4xx, no host reachable, TLS or AUTH not met), failed (5xx).',
        [q('sum by (connector, result) (rate(mail_connector_messages_total{direction="outbound"}[$RATE]))', '{{connector}} {{result}}')], 'reqps'),
      timeseries('Smart host failures by reason', 'Connection attempts to smart hosts that failed, by reason: connect_failed, tls_not_met, auth_failed, auth_unavailable. Each moves the recipients to the next smart host.',
        [q('sum by (connector, reason) (rate(mail_connector_refusals_total{direction="outbound"}[$RATE]))', '{{connector}} {{reason}}')], 'reqps'),
      timeseries('Outbound TLS versions', 'New connections to smart hosts by negotiated TLS version (none: plaintext, only possible with tlsSettings opportunistic).',
        [q('sum by (connector, version) (rate(mail_connector_tls_total{direction="outbound"}[$RATE]))', '{{connector}} {{version}}')], 'reqps'),
    ]),
  ],
};
