import { q, row, stat, timeseries } from './panels.mjs';

// From postgres_exporter, scrape job "postgresql" (docker-compose service postgres-exporter; on
// Kubernetes the exporter of your PostgreSQL operator or chart). Names are the exporter's.
export default {
  uid: 'mail-postgresql',
  title: 'Mail platform: PostgreSQL',
  tags: ['exporter:postgresql'],
  description: 'The database: availability, connections against the limit, transactions, cache hit ratio, deadlocks, size (postgres_exporter).',
  rows: [
    row('Server (USE)', [
      stat('PostgreSQL up', 'The exporter can connect to PostgreSQL. 0 fires MailPostgresDown.', [q('min(pg_up)')]),
      stat('Connections used', 'Backends connected as a fraction of max_connections. Each service replica opens DATABASE_POOL_SIZE connections at most.',
        [q('sum(pg_stat_database_numbackends) / max(pg_settings_max_connections)')], 'percentunit'),
      timeseries('Connections per database', 'Backends per database: the mail database holds every service\'s pool.',
        [q('sum by (datname) (pg_stat_database_numbackends)', '{{datname}}')]),
      timeseries('Transactions / s', 'Commits and rollbacks per second. Rollbacks are normal for claim races in the queue, not in bulk.',
        [q('sum(rate(pg_stat_database_xact_commit[$RATE]))', 'commit'), q('sum(rate(pg_stat_database_xact_rollback[$RATE]))', 'rollback')], 'reqps'),
      timeseries('Cache hit ratio', 'Blocks found in shared buffers over all blocks read. Below ~0.99 the working set no longer fits memory.',
        [q('sum(rate(pg_stat_database_blks_hit[$RATE])) / (sum(rate(pg_stat_database_blks_hit[$RATE])) + sum(rate(pg_stat_database_blks_read[$RATE])))', 'hit ratio')], 'percentunit'),
      timeseries('Deadlocks', 'Deadlocks per second: should be 0; the queue claims rows with SKIP LOCKED precisely to avoid them.',
        [q('sum(rate(pg_stat_database_deadlocks[$RATE]))', 'deadlocks / s')], 'reqps'),
      timeseries('Database size', 'Size of each database: mail metadata only, bodies live in S3.', [q('sum by (datname) (pg_database_size_bytes)', '{{datname}}')], 'bytes'),
    ]),
  ],
};
