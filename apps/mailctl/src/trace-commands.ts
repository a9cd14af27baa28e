import { UsageError, type CommandSpec, type Plan } from './commands.js';
import { clean, table } from './table.js';

interface TracedMessage {
  messageId: string | null;
  sender: string;
  recipients: string[];
  status: string;
  receivedAt: string;
  traceId: string | null;
  events: Array<{ at: string; event: string; recipient: string | null; detail: string | null; connector: string | null; service: string }>;
}

const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+(?=Z$|[+-])/, '');

/** `--since 2h` (or 30m, 7d) means that long ago; anything else goes to the API as given (ISO 8601). */
export function timeOption(name: string, value: string | boolean | undefined, now = Date.now()): string | undefined {
  if (typeof value !== 'string') return undefined;
  const rel = /^(\d+)([mhd])$/.exec(value);
  if (rel) return new Date(now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']).toISOString();
  if (Number.isNaN(Date.parse(value))) throw new UsageError(`--${name} ${JSON.stringify(value)} is neither a time (ISO 8601) nor a duration like 2h, 30m, 7d`);
  return new Date(value).toISOString();
}

function searchPlan(q: URLSearchParams, render: (messages: TracedMessage[]) => string): Plan {
  return { call: { method: 'GET', path: `/api/v1/trace?${q}` }, render: (r) => render((r as { messages: TracedMessage[] }).messages) };
}

function summary(messages: TracedMessage[]): string {
  if (!messages.length) return 'no messages found\n';
  const rows = messages.map((m) => [when(m.receivedAt), m.status, clean(m.sender) || '<>', clean(m.recipients.join(', ')) || '-', clean(m.messageId) || '-']);
  return table(['RECEIVED', 'STATUS', 'FROM', 'TO', 'MESSAGE-ID'], rows);
}

function details(messages: TracedMessage[]): string {
  if (!messages.length) return 'no messages found\n';
  return messages
    .map((m) => {
      const head = [
        `Message-ID: ${clean(m.messageId) || '-'}`,
        `From:       ${clean(m.sender) || '<>'}`,
        `To:         ${clean(m.recipients.join(', ')) || '-'}`,
        `Received:   ${when(m.receivedAt)}`,
        `Status:     ${m.status}`,
        `Trace ID:   ${m.traceId ?? '-'}`,
        '',
      ].join('\n');
      const rows = m.events.map((e) => [when(e.at), e.event, clean(e.recipient) || '-', e.service, clean(e.connector) || '-', clean(e.detail) || '-']);
      return `${head}\n${table(['AT', 'EVENT', 'RECIPIENT', 'SERVICE', 'CONNECTOR', 'DETAIL'], rows)}`;
    })
    .join('\n');
}

export const TRACE_COMMANDS: CommandSpec[] = [
  {
    words: ['trace', 'search'],
    usage:
      'trace search [--sender <addr>] [--recipient <addr>] [--message-id <id>] [--client-ip <ip>] [--status <pending|delivered|partial|failed|refused>] [--since <time|2h>] [--until <time>] [--limit <n>]',
    summary: 'message trace: find messages (at least one of sender, recipient, message-id, client-ip; * is a wildcard: *@contoso.com)',
    options: {
      sender: { type: 'string' },
      recipient: { type: 'string' },
      'message-id': { type: 'string' },
      'client-ip': { type: 'string' },
      status: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
    },
    args: { min: 0, max: 0 },
    plan: (_args, opts) => {
      const q = new URLSearchParams();
      const names = { sender: 'sender', recipient: 'recipient', 'message-id': 'messageId', 'client-ip': 'clientIp', status: 'status' } as const;
      for (const [opt, param] of Object.entries(names)) if (typeof opts[opt] === 'string') q.set(param, opts[opt] as string);
      if (!['sender', 'recipient', 'messageId', 'clientIp'].some((k) => q.has(k))) throw new UsageError('give at least one of --sender, --recipient, --message-id, --client-ip');
      for (const name of ['since', 'until'] as const) {
        const t = timeOption(name, opts[name]);
        if (t) q.set(name, t);
      }
      if (typeof opts.limit === 'string') {
        if (!/^\d+$/.test(opts.limit)) throw new UsageError(`--limit ${JSON.stringify(opts.limit)} is not a number`);
        q.set('limit', opts.limit);
      }
      return searchPlan(q, summary);
    },
  },
  {
    words: ['trace', 'show'],
    usage: 'trace show <message-id>',
    summary: 'message trace: every step of a message, per recipient',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([messageId]) => searchPlan(new URLSearchParams({ messageId }), details),
  },
];
