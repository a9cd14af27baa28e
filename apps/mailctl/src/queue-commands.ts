import { UsageError, type CommandSpec } from './commands.js';
import { clean, table } from './table.js';

interface Detail {
  queueId: string;
  mailFrom: string;
  messageId: string | null;
  subject: string | null;
  size: number;
  receivedAt: string;
  source: { protocol: string; remoteAddress?: string; authenticatedAs?: string };
  recipients: Array<{ address: string; status: string; attempts: number; nextAttemptAt: string | null; lastError: string | null }>;
}

const enc = encodeURIComponent;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function queueId(id: string): string {
  if (!UUID.test(id)) throw new UsageError(`${JSON.stringify(id)} is not a queue id (the full id: mailctl queue list --json shows it)`);
  return id.toLowerCase();
}

const changed = (what: string) => (r: unknown) => {
  const n = (r as { recipients: number }).recipients;
  return `${what}: ${n} recipient${n === 1 ? '' : 's'}\n`;
};

/** `mailctl queue show|retry|hold|release|delete`: the administrator's levers on the delivery queue. */
export const QUEUE_COMMANDS: CommandSpec[] = [
  {
    words: ['queue', 'show'],
    usage: 'queue show <queue id>',
    summary: 'one message of the queue: envelope, source and every recipient',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([id]) => ({
      call: { method: 'GET', path: `/api/v1/queue/${enc(queueId(id))}` },
      render: (r) => {
        const d = r as Detail;
        const source = [d.source.protocol, d.source.remoteAddress, d.source.authenticatedAs ? `as ${d.source.authenticatedAs}` : ''].filter(Boolean).map((x) => clean(x)).join(' ');
        return (
          [
            `queue id:    ${clean(d.queueId)}`,
            `from:        ${clean(d.mailFrom) || '<>'}`,
            `message-id:  ${clean(d.messageId) || '-'}`,
            `subject:     ${clean(d.subject) || '-'}`,
            `size:        ${d.size}`,
            `received:    ${clean(d.receivedAt)} (${source})`,
            '',
          ].join('\n') +
          table(
            ['TO', 'STATUS', 'TRIES', 'NEXT ATTEMPT', 'LAST ERROR'],
            d.recipients.map((x) => [clean(x.address), clean(x.status), String(x.attempts), clean(x.nextAttemptAt) || '-', clean(x.lastError) || '-']),
          )
        );
      },
    }),
  },
  {
    words: ['queue', 'retry'],
    usage: 'queue retry <queue id> | --all',
    summary: 'attempt waiting recipients now (of one message, or of all)',
    options: { all: { type: 'boolean' } },
    args: { min: 0, max: 1 },
    plan: ([id], opts) => {
      if (opts.all === true && id) throw new UsageError('give a queue id or --all, not both');
      if (opts.all !== true && !id) throw new UsageError('give a queue id or --all');
      return { call: { method: 'POST', path: opts.all === true ? '/api/v1/queue/retry' : `/api/v1/queue/${enc(queueId(id))}/retry` }, render: changed('retrying') };
    },
  },
  {
    words: ['queue', 'hold'],
    usage: 'queue hold <queue id>',
    summary: "hold a message's waiting recipients until released",
    options: {},
    args: { min: 1, max: 1 },
    plan: ([id]) => ({ call: { method: 'POST', path: `/api/v1/queue/${enc(queueId(id))}/hold` }, render: changed('held') }),
  },
  {
    words: ['queue', 'release'],
    usage: 'queue release <queue id>',
    summary: 'release held recipients (attempted at once)',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([id]) => ({ call: { method: 'POST', path: `/api/v1/queue/${enc(queueId(id))}/release` }, render: changed('released') }),
  },
  {
    words: ['queue', 'delete'],
    usage: 'queue delete <queue id> [--bounce]',
    summary: "give up on a message's waiting recipients (--bounce: the sender gets a DSN)",
    options: { bounce: { type: 'boolean' } },
    args: { min: 1, max: 1 },
    plan: ([id], opts) => ({
      call: { method: 'DELETE', path: `/api/v1/queue/${enc(queueId(id))}${opts.bounce === true ? '?bounce=true' : ''}` },
      render: changed(opts.bounce === true ? 'deleted and bounced' : 'deleted'),
    }),
  },
];
