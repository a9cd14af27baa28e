import { processRow, q, quantiles, row, timeseries } from './panels.mjs';

export default {
  uid: 'mail-store',
  title: 'Mail platform: store',
  description: 'The message store: appends (new messages into mailboxes), their duration, and the requests store answers on the bus.',
  rows: [
    row('Requests (RED)', [
      timeseries('Appends', 'Messages written into mailboxes per second (one per recipient mailbox).',
        [q('sum(rate(mail_store_appends_total[$RATE]))', 'appends')], 'reqps'),
      timeseries('Append duration', 'Quantiles of the time to write one message: blob upload plus database insert.',
        quantiles('mail_store_append_duration_seconds'), 's'),
      timeseries('Message index source', 'Where each new message\'s index came from: carried with the message (cheap) or parsed from the blob. A growing parsed share under ordinary mail means the store reads back blobs it need not read.',
        [q('sum by (source) (rate(mail_store_message_index_total[$RATE]))', '{{source}}')], 'reqps'),
    ]),
    row('Bus handlers', [
      timeseries('Requests store answers, by subject', 'Bus requests handled per second by the store replicas, per subject.',
        [q('sum by (subject) (rate(mail_bus_handler_duration_seconds_count{job="store"}[$RATE]))', '{{subject}}')], 'reqps'),
      timeseries('Handler duration p95, by subject', 'Time store spends answering each kind of request (mostly PostgreSQL and S3 time).',
        quantiles('mail_bus_handler_duration_seconds', '{job="store"}', 'subject').slice(1, 2), 's'),
    ]),
    processRow('store'),
  ],
};
