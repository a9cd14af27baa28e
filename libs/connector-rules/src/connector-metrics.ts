import { metrics, type Counter } from '@opentelemetry/api';

let instruments: { messages: Counter; bytes: Counter; refusals: Counter; tls: Counter } | undefined;

function get() {
  if (!instruments) {
    const meter = metrics.getMeter('connectors');
    instruments = {
      messages: meter.createCounter('mail_connector_messages_total', { description: 'Messages per connector: accepted (inbound), relayed, deferred or failed (outbound)' }),
      bytes: meter.createCounter('mail_connector_bytes_total', { description: 'Bytes of the messages accepted (inbound) per connector' }),
      refusals: meter.createCounter('mail_connector_refusals_total', { description: 'Messages refused or failed per connector, by reason' }),
      tls: meter.createCounter('mail_connector_tls_total', { description: 'Connector sessions by TLS protocol version (none: plaintext)' }),
    };
  }
  return instruments;
}

export type ConnectorResult = 'accepted' | 'relayed' | 'deferred' | 'failed';

/** Per-connector Prometheus metrics; the connector label is an administrator's name, so its cardinality is theirs. */
export const connectorMetrics = {
  message: (connector: string, direction: 'inbound' | 'outbound', result: ConnectorResult, bytes = 0) => {
    get().messages.add(1, { connector, direction, result });
    if (bytes > 0 && (result === 'accepted' || result === 'relayed')) get().bytes.add(bytes, { connector, direction });
  },
  refusal: (connector: string, direction: 'inbound' | 'outbound', reason: string) => get().refusals.add(1, { connector, direction, reason }),
  tls: (connector: string, direction: 'inbound' | 'outbound', version: string | undefined) => get().tls.add(1, { connector, direction, version: version ?? 'none' }),
};
