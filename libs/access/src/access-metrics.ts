import { metrics, type Counter, type Histogram, type UpDownCounter } from '@opentelemetry/api';

export type AccessProtocol = 'imap' | 'pop3';

interface ProtocolMetrics {
  connections: UpDownCounter;
  commands: Counter;
  duration: Histogram;
}

const byProtocol = new Map<AccessProtocol, ProtocolMetrics>();

/** command latencies run from well under a millisecond (NOOP) to minutes (a FETCH of a whole mailbox) */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Created on first use so they bind to the meter provider telemetry registered at start-up. The
 * names are what the Grafana dashboards query: `mail_imap_connections` / `mail_pop3_connections`
 * (sessions open now, a gauge), `mail_<proto>_commands_total{command,result}` and
 * `mail_<proto>_command_duration_seconds{command}`.
 */
function metricsOf(protocol: AccessProtocol): ProtocolMetrics {
  let m = byProtocol.get(protocol);
  if (m) return m;
  const meter = metrics.getMeter('access');
  const name = protocol.toUpperCase();
  m = {
    connections: meter.createUpDownCounter(`mail_${protocol}_connections`, { description: `${name} sessions open on this process` }),
    commands: meter.createCounter(`mail_${protocol}_commands_total`, { description: `${name} commands by name and result (ok, no, bad / ok, err)` }),
    duration: meter.createHistogram(`mail_${protocol}_command_duration_seconds`, {
      description: `${name} command latency, from the command read to its completion sent`,
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
  byProtocol.set(protocol, m);
  return m;
}

export function sessionOpened(protocol: AccessProtocol): void {
  metricsOf(protocol).connections.add(1);
}

export function sessionClosed(protocol: AccessProtocol): void {
  metricsOf(protocol).connections.add(-1);
}

/** `command` comes from the parser's closed set of names, so the label's cardinality is bounded. */
export function recordCommand(protocol: AccessProtocol, command: string, result: string, seconds: number): void {
  const m = metricsOf(protocol);
  m.commands.add(1, { command, result });
  m.duration.record(seconds, { command });
}
