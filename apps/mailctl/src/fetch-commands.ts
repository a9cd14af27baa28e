import { UsageError, type CommandSpec } from './commands.js';
import { clean, table } from './table.js';

interface FetchErrorView {
  at: string;
  kind: string;
  message: string;
}
interface FetchAccountView {
  id: string;
  user: string;
  protocol: string;
  host: string;
  port: number;
  tls: string;
  insecure: boolean;
  username: string;
  folders: string[];
  intervalSeconds: number;
  leaveOnServer: boolean;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  nextRunAt: string | null;
  lastError: FetchErrorView | null;
  consecutiveFailures: number;
  messagesFetched: number;
}
interface FolderView {
  folder: string;
  uidValidity: string | null;
  highestUid: number | null;
  delivered: number;
}

const enc = encodeURIComponent;
const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+(?=Z$|[+-])/, '') : '-');
const UNIT_SECONDS = new Map([['', 1], ['s', 1], ['m', 60], ['h', 3600], ['d', 86400]]);

/** `90s`, `5m`, `2h`, `1d` or plain seconds → seconds. */
export function parseInterval(text: string): number {
  const m = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  const unit = m && UNIT_SECONDS.get(m[2]);
  if (!m || !unit) throw new UsageError(`--interval: expected a duration such as 5m, 1h or 300 (seconds), got ${JSON.stringify(text)}`);
  return Number(m[1]) * unit;
}

function interval(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

function state(a: FetchAccountView): string {
  if (!a.enabled) return 'disabled';
  return a.lastError && a.consecutiveFailures > 0 ? `failing (${a.lastError.kind})` : 'ok';
}

function describe(a: FetchAccountView, folders: FolderView[], errors: FetchErrorView[]): string {
  const lines = [
    `Id:           ${a.id}`,
    `User:         ${clean(a.user)}`,
    `Remote:       ${a.protocol} ${clean(a.username)}@${clean(a.host)}:${a.port} tls=${a.tls}${a.insecure ? ' (insecure allowed)' : ''}`,
    `Folders:      ${a.folders.map(clean).join(', ')}`,
    `Interval:     ${interval(a.intervalSeconds)}${a.leaveOnServer ? ', messages left on the server' : ', messages deleted from the server once delivered'}`,
    `State:        ${state(a)}${a.disabledReason ? `: ${clean(a.disabledReason)}` : ''}`,
    `Fetched:      ${a.messagesFetched} messages`,
    `Last run:     ${when(a.lastRunAt)} (last success ${when(a.lastSuccessAt)})`,
    `Next run:     ${a.enabled ? when(a.nextRunAt) : '- (disabled: mailctl fetch enable <id>)'}`,
  ];
  if (a.lastError) lines.push(`Last error:   ${when(a.lastError.at)} ${a.lastError.kind}: ${clean(a.lastError.message)}${a.consecutiveFailures ? ` (${a.consecutiveFailures} failed runs in a row)` : ''}`);
  if (folders.length) {
    lines.push('', table(['FOLDER', 'UIDVALIDITY', 'HIGHEST UID', 'DELIVERED'], folders.map((f) => [clean(f.folder), f.uidValidity ?? '-', f.highestUid === null ? '-' : String(f.highestUid), String(f.delivered)])).trimEnd());
  }
  if (errors.length) {
    lines.push('', 'Recent errors:');
    for (const e of errors) lines.push(`  ${when(e.at)}  ${e.kind.padEnd(8)} ${clean(e.message)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `mailctl fetch …`: a user's external IMAP/POP3 accounts (ADR 0029). */
export const FETCH_COMMANDS: CommandSpec[] = [
  {
    words: ['fetch', 'add'],
    usage:
      'fetch add <user> --protocol imap|pop3 --host H [--port P] [--tls implicit|starttls|none] [--insecure] --username U --password-stdin [--folders INBOX,...] [--interval 5m] [--leave-on-server]',
    summary: 'fetch mail from an external account into the user\'s INBOX, every --interval (the password is read from stdin or prompted, sealed, never shown)',
    options: {
      protocol: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'string' },
      insecure: { type: 'boolean' },
      username: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      folders: { type: 'string' },
      interval: { type: 'string' },
      'leave-on-server': { type: 'boolean' },
    },
    args: { min: 1, max: 1 },
    plan: ([user], opts) => {
      if (opts.protocol !== 'imap' && opts.protocol !== 'pop3') throw new UsageError('--protocol imap or --protocol pop3 is needed');
      if (typeof opts.host !== 'string' || !opts.host) throw new UsageError('--host is needed');
      if (typeof opts.username !== 'string' || !opts.username) throw new UsageError('--username is needed');
      if (opts.tls !== undefined && !['implicit', 'starttls', 'none'].includes(String(opts.tls))) throw new UsageError('--tls: implicit, starttls or none');
      let port: number | undefined;
      if (typeof opts.port === 'string') {
        port = Number(opts.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port: a number from 1 to 65535');
      }
      const body: Record<string, unknown> = {
        user,
        protocol: opts.protocol,
        host: opts.host,
        ...(port ? { port } : {}),
        ...(typeof opts.tls === 'string' ? { tls: opts.tls } : {}),
        insecure: opts.insecure === true,
        username: opts.username,
        ...(typeof opts.folders === 'string' ? { folders: opts.folders.split(',').map((f) => f.trim()).filter(Boolean) } : {}),
        ...(typeof opts.interval === 'string' ? { intervalSeconds: parseInterval(opts.interval) } : {}),
        leaveOnServer: opts['leave-on-server'] === true,
      };
      return {
        call: { method: 'POST', path: '/api/v1/fetch-accounts', body },
        needsPassword: true,
        render: (r) => {
          const a = r as FetchAccountView;
          return `external account ${a.id} added for ${clean(a.user)} (${a.protocol} ${clean(a.host)}:${a.port}, every ${interval(a.intervalSeconds)})\n`;
        },
      };
    },
  },
  {
    words: ['fetch', 'list'],
    usage: 'fetch list [<user>]',
    summary: 'list external accounts with their state and last error',
    options: {},
    args: { min: 0, max: 1 },
    plan: ([user]) => ({
      call: { method: 'GET', path: `/api/v1/fetch-accounts${user ? `?user=${enc(user)}` : ''}` },
      render: (r) => {
        const { accounts } = r as { accounts: FetchAccountView[] };
        if (!accounts.length) return 'no external accounts\n';
        return table(
          ['ID', 'USER', 'REMOTE', 'EVERY', 'STATE', 'FETCHED', 'LAST RUN'],
          accounts.map((a) => [a.id, clean(a.user), `${a.protocol}://${clean(a.username)}@${clean(a.host)}:${a.port}`, interval(a.intervalSeconds), state(a), String(a.messagesFetched), when(a.lastRunAt)]),
        );
      },
    }),
  },
  {
    words: ['fetch', 'show'],
    usage: 'fetch show <id>',
    summary: 'an external account: schedule, folders (UIDVALIDITY, highest UID), errors with their time',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([id]) => ({
      call: { method: 'GET', path: `/api/v1/fetch-accounts/${enc(id)}` },
      render: (r) => {
        const s = r as { account: FetchAccountView; folders: FolderView[]; recentErrors: FetchErrorView[] };
        return describe(s.account, s.folders, s.recentErrors);
      },
    }),
  },
  {
    words: ['fetch', 'remove'],
    usage: 'fetch remove <id>',
    summary: 'stop fetching from an external account (mail already fetched stays)',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([id]) => ({ call: { method: 'DELETE', path: `/api/v1/fetch-accounts/${enc(id)}` }, render: () => `external account ${clean(id)} removed\n` }),
  },
  {
    words: ['fetch', 'run'],
    usage: 'fetch run <id>',
    summary: 'fetch from an external account now and wait for the outcome',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([id]) => ({
      call: { method: 'POST', path: `/api/v1/fetch-accounts/${enc(id)}/run` },
      render: (r) => {
        const o = r as { ran: boolean; fetched: number; deleted: number; error: FetchErrorView | null };
        if (!o.ran) return 'a run of this account is in progress already\n';
        const done = `${o.fetched} message(s) fetched${o.deleted ? `, ${o.deleted} deleted on the server` : ''}`;
        return o.error ? `${done}; the run failed: ${o.error.kind}: ${clean(o.error.message)}\n` : `${done}\n`;
      },
    }),
  },
  {
    words: ['fetch', 'enable'],
    usage: 'fetch enable <id> [--password-stdin]',
    summary: 'enable an external account again (after repeated authentication failures), with a new password from stdin if given',
    options: { 'password-stdin': { type: 'boolean' } },
    args: { min: 1, max: 1 },
    plan: ([id], opts) => ({
      call: { method: 'POST', path: `/api/v1/fetch-accounts/${enc(id)}/enable`, body: {} },
      needsPassword: opts['password-stdin'] === true,
      render: (r) => `external account ${(r as FetchAccountView).id} enabled\n`,
    }),
  },
];
