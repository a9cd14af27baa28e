import type { Migration } from '@mail/db';

/**
 * Message trace (ADR 0013, 0014). Both tables are written only by the trace writer, in batches,
 * and only appended to (a message row is filled in when smtp-in's refusals and the queue's
 * acceptance of the same transaction arrive apart).
 *
 * - `messages`: one row per message (per SMTP transaction that got as far as a recipient). Addresses
 *   are stored lowercased. A search by sender, Message-ID or client IP reads one of its indexes;
 *   `reverse(sender)` serves the leading-wildcard search of a whole domain (`*@contoso.com` is a
 *   prefix search of `moc.osotnoc@`). text_pattern_ops lets LIKE 'prefix%' use the index whatever
 *   the database's collation.
 * - `events`: every step, per recipient where it has one; the recipient search reads its indexes the
 *   same way. A message's status is derived from its recipients' latest steps when it is read.
 * - BRIN indexes on the times: the tables are appended in time order, and only the retention sweep
 *   asks by time alone; a BRIN costs next to nothing per insert.
 */
export const m001Trace: Migration = {
  id: '001-trace',
  sql: `
    CREATE TABLE trace.messages (
      trace_key text PRIMARY KEY,
      queue_id text,
      message_id text,
      sender text NOT NULL,
      client_ip text,
      received_at timestamptz NOT NULL,
      trace_id text,
      connector text
    );
    CREATE INDEX messages_sender ON trace.messages (sender text_pattern_ops);
    CREATE INDEX messages_sender_reversed ON trace.messages (reverse(sender) text_pattern_ops);
    CREATE INDEX messages_message_id ON trace.messages (message_id text_pattern_ops) WHERE message_id IS NOT NULL;
    CREATE INDEX messages_client_ip ON trace.messages (client_ip text_pattern_ops) WHERE client_ip IS NOT NULL;
    CREATE INDEX messages_received ON trace.messages USING brin (received_at);

    CREATE TABLE trace.events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      trace_key text NOT NULL,
      at timestamptz NOT NULL,
      event text NOT NULL,
      recipient text,
      detail text,
      connector text,
      service text NOT NULL
    );
    CREATE INDEX events_message ON trace.events (trace_key, at);
    CREATE INDEX events_recipient ON trace.events (recipient text_pattern_ops) WHERE recipient IS NOT NULL;
    CREATE INDEX events_recipient_reversed ON trace.events (reverse(recipient) text_pattern_ops) WHERE recipient IS NOT NULL;
    CREATE INDEX events_at ON trace.events USING brin (at);
  `,
};
