import { metrics, type Counter, type UpDownCounter } from '@opentelemetry/api';

let instruments: { open: UpDownCounter; refused: Counter; deadline: Counter; rateLimited: Counter } | undefined;

/** Created on first use so they bind to the meter provider telemetry registered at start-up. */
export function connectionMetrics() {
  if (!instruments) {
    const meter = metrics.getMeter('limits');
    instruments = {
      open: meter.createUpDownCounter('mail_connections_open', { description: 'Client connections held, by protocol and listener' }),
      refused: meter.createCounter('mail_connections_refused_total', { description: 'Client connections refused by a limit, by protocol, listener and limit (listener, process, client; user: IMAP logins past the per-user limit)' }),
      deadline: meter.createCounter('mail_connections_deadline_total', { description: 'Connections closed because they did not log in (or start a transaction) in time' }),
      rateLimited: meter.createCounter('mail_rate_limited_total', { description: 'Commands refused (or slowed) by a rate limit, by protocol and limit' }),
    };
  }
  return instruments;
}
