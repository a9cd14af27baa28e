import { q, row, stat, timeseries } from './panels.mjs';

export default {
  uid: 'mail-migration-batches',
  title: 'Mail platform: migration batches and external accounts',
  description: 'Mailboxes moved in from other IMAP servers (mailctl migration, ADRs 0030/0031): messages and bytes copied, errors and user jobs, by batch. Per-user progress is in `mailctl migration status <batch>`, not in these metrics (a label per user would make a series per migrated mailbox).',
  rows: [
    row('Copy', [
      timeseries('Messages copied / s by batch', 'Messages appended into users\' mailboxes by migration batches, per second and batch. The rate per source host is capped by the batch\'s --messages-per-second.',
        [q('sum by (batch) (rate(mail_migration_messages_total[$RATE]))', '{{batch}}')], 'reqps'),
      timeseries('Bytes copied / s by batch', 'Size of the messages copied, per second and batch.',
        [q('sum by (batch) (rate(mail_migration_bytes_total[$RATE]))', '{{batch}}')], 'Bps'),
      stat('Messages copied (range)', 'Messages copied by each batch over the dashboard\'s time range.',
        [q('sum by (batch) (increase(mail_migration_messages_total[$__range]))', '{{batch}}')]),
    ]),
    row('Errors and user jobs', [
      timeseries('Errors / s by batch and kind', 'message: a message the store refused (counted on its folder, the copy goes on); retry: a user job that failed (connection dropped, timeout) and will be retried from its checkpoint; user: a user failed for good (wrong password, no account, over quota; see status).',
        [q('sum by (batch, kind) (rate(mail_migration_errors_total[$RATE]))', '{{batch}} {{kind}}')], 'reqps'),
      timeseries('User jobs ended by outcome', 'User jobs that ended per second, by batch and outcome: synced (first pass done), completed (final pass done), stopped, retry, failed.',
        [q('sum by (batch, outcome) (rate(mail_migration_user_jobs_total[$RATE]))', '{{batch}} {{outcome}}')], 'reqps'),
    ]),
    row('External accounts (mailctl fetch)', [
      timeseries('Fetched messages / s by protocol', 'Messages taken from users\' external IMAP and POP3 accounts and handed to delivery (ADR 0029), per second.',
        [q('sum by (protocol) (rate(mail_fetch_messages_total[$RATE]))', '{{protocol}}')], 'reqps'),
      timeseries('Fetch runs / s by result', 'Runs of external accounts per second: ok, or error (the account\'s last error is in `mailctl fetch show <id>`; repeated auth failures disable it).',
        [q('sum by (protocol, result) (rate(mail_fetch_runs_total[$RATE]))', '{{protocol}} {{result}}')], 'reqps'),
      timeseries('Fetch errors / s by kind', 'Failed runs by kind: auth, tls, timeout, connect, protocol, delivery, internal. A rise in auth usually means users changed their remote password.',
        [q('sum by (kind) (rate(mail_fetch_errors_total[$RATE]))', '{{kind}}')], 'reqps'),
      timeseries('Fetch run duration p95', 'How long one run of an external account takes, 95th percentile by protocol.',
        [q('histogram_quantile(0.95, sum by (le, protocol) (rate(mail_fetch_run_duration_seconds_bucket[$RATE])))', '{{protocol}}')], 's'),
    ]),
  ],
};
