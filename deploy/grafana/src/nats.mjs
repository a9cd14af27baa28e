import { q, row, stat, timeseries } from './panels.mjs';

// From prometheus-nats-exporter (-varz -jsz=all), scrape job "nats" (docker-compose service
// nats-exporter; on Kubernetes the NATS Helm chart's promExporter). Names are the exporter's.
export default {
  uid: 'mail-nats',
  title: 'Mail platform: NATS',
  tags: ['exporter:nats'],
  description: 'The message bus: connections, message and byte rates, slow consumers, memory (prometheus-nats-exporter).',
  rows: [
    row('Server', [
      stat('NATS up', 'The exporter can reach the NATS monitoring port. 0 fires MailNatsDown.', [q('min(up{job="nats"})')]),
      stat('Connections', 'Client connections: every mail service replica holds one or two.', [q('sum(gnatsd_varz_connections)')]),
      stat('Slow consumers', 'Clients NATS dropped messages for because they did not read fast enough. Should stay 0.', [q('sum(gnatsd_varz_slow_consumers)')]),
      timeseries('Messages / s', 'Messages in and out of the server per second (requests, replies, events).',
        [q('sum(rate(gnatsd_varz_in_msgs[$RATE]))', 'in'), q('sum(rate(gnatsd_varz_out_msgs[$RATE]))', 'out')], 'reqps'),
      timeseries('Bytes / s', 'Payload bytes in and out per second.',
        [q('sum(rate(gnatsd_varz_in_bytes[$RATE]))', 'in'), q('sum(rate(gnatsd_varz_out_bytes[$RATE]))', 'out')], 'Bps'),
      timeseries('Memory', 'Resident memory of each NATS server.',
        [q('gnatsd_varz_mem', 'memory {{instance}}')], 'bytes'),
    ]),
  ],
};
