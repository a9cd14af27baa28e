import { metrics, type Counter } from '@opentelemetry/api';

let instruments: { messages: Counter; bytes: Counter; errors: Counter; users: Counter } | undefined;

function get() {
  if (!instruments) {
    const meter = metrics.getMeter('migration');
    instruments = {
      messages: meter.createCounter('mail_migration_messages_total', { description: 'Messages copied from source servers into mailboxes, by migration batch' }),
      bytes: meter.createCounter('mail_migration_bytes_total', { description: 'Bytes of messages copied from source servers, by migration batch' }),
      errors: meter.createCounter('mail_migration_errors_total', {
        description: 'Migration errors by batch and kind: message (a message the store refused), retry (a user job that failed and will be retried), user (a user that failed for good)',
      }),
      users: meter.createCounter('mail_migration_user_jobs_total', { description: 'User jobs that ended, by batch and outcome (synced, completed, stopped, retry, failed)' }),
    };
  }
  return instruments;
}

/**
 * Labelled by batch, never by user: a batch is tens to thousands of users, and a label per user
 * would make that many series per metric for as long as Prometheus keeps them. Per-user figures
 * are in `mailctl migration status` (the database), where they belong (ADR 0031).
 */
export const migrationMetrics = {
  copied: (batch: string, messages: number, bytes: number) => {
    if (messages) get().messages.add(messages, { batch });
    if (bytes) get().bytes.add(bytes, { batch });
  },
  error: (batch: string, kind: 'message' | 'retry' | 'user', n = 1) => {
    if (n) get().errors.add(n, { batch, kind });
  },
  jobEnded: (batch: string, outcome: string) => get().users.add(1, { batch, outcome }),
};
