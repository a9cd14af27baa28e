import type { Migration } from '@mail/db';

/**
 * The durable queue. A message row per accepted message (the blob is referenced, never copied) and
 * a row per recipient carrying its own status, retry clock and lease: recipients of one message
 * succeed, defer and bounce independently, and a worker's claim is a lease that simply expires if
 * the worker dies.
 *
 * Blobs: the queue references `blob_key` and never deletes it. Once every recipient is final the
 * row stays (for message trace) and the queue simply stops using the blob; local copies are
 * referenced by the store, which ref-counts and collects blobs. Blobs only the queue ever used
 * (remote-only or bounced messages) are left for a blob GC that knows every referencing service.
 */
export const m001Queue: Migration = {
    id: '001-queue',
    sql: `
      CREATE TABLE queue.messages (
        id uuid PRIMARY KEY,
        blob_key text NOT NULL,
        size bigint NOT NULL,
        mail_from text NOT NULL,
        message_id text,
        subject text,
        received_at timestamptz NOT NULL,
        source jsonb NOT NULL,
        traceparent text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE queue.recipients (
        id uuid PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES queue.messages(id) ON DELETE CASCADE,
        address text NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'deferred', 'delivered', 'bounced', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        leased_by text,
        last_error text,
        delivered_at timestamptz,
        UNIQUE (message_id, address)
      );
      CREATE INDEX recipients_due ON queue.recipients (status, next_attempt_at);
      CREATE INDEX recipients_message ON queue.recipients (message_id);
    `,
};
