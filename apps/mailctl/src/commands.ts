import { CONNECTOR_COMMANDS } from './connector-commands.js';
import { GROUP_COMMANDS } from './group-commands.js';
import { DKIM_COMMANDS } from './dkim-commands.js';
import { SHARE_COMMANDS } from './share-commands.js';
import { USER_QUOTA_COMMANDS, messageLimitOption, messagesCell, storageCell, type AccountView } from './user-quota-commands.js';
import { QUEUE_COMMANDS } from './queue-commands.js';
import { parseSize } from './quota.js';
import { clean, table } from './table.js';
import { DOMAIN_POLICY_COMMANDS } from './domain-policy-commands.js';
import { TRACE_COMMANDS } from './trace-commands.js';
import { MIGRATION_COMMANDS } from './migration-commands.js';
import { FETCH_COMMANDS } from './fetch-commands.js';

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
}

/** What a command line means: one API call, and how to show its answer to a person. */
export interface Plan {
  call: ApiCall;
  /** the password was not on the command line: read it (prompt or stdin) into body.password */
  needsPassword?: boolean;
  /** the body field the read password goes into (default `password`) */
  passwordField?: string;
  /** work before the call (read a file named on the command line) */
  prepare?(): Promise<void>;
  /** more calls after the first (a list sent in pages, a status watched until it settles); returns what to render */
  then?(response: unknown, ctx: FollowUp): Promise<unknown>;
  render(response: unknown): string;
}

export interface FollowUp {
  send(call: ApiCall): Promise<unknown>;
  /** prints at once (a watched status redrawn), before the final render */
  out(text: string): void;
  json: boolean;
}

type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandSpec {
  words: [string, string];
  usage: string;
  summary: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  args: { min: number; max: number };
  plan(args: string[], opts: OptionValues): Plan;
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

const enc = encodeURIComponent;
const day = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+(?=Z$|[+-])/, '') : '-');

interface Domain {
  name: string;
  createdAt: string;
}
interface Account {
  address: string;
  displayName: string | null;
  quotaBytes: number | null;
  disabled: boolean;
  createdAt: string;
}
interface Alias {
  address: string;
  targets: string[];
}
interface QueueEntry {
  queueId: string;
  mailFrom: string;
  size: number;
  receivedAt: string;
  recipients: Array<{ address: string; status: string; attempts: number; nextAttemptAt: string | null; lastError: string | null }>;
}

function quotaOption(value: string | boolean | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = parseSize(value);
  if (bytes === null) throw new UsageError(`--quota ${JSON.stringify(value)} is not a size (bytes, or with K, M, G or T)`);
  return bytes;
}

function passwordFrom(opts: OptionValues): { password?: string; needsPassword: boolean } {
  return typeof opts.password === 'string' ? { password: opts.password, needsPassword: false } : { needsPassword: true };
}

export const COMMANDS: CommandSpec[] = [
  {
    words: ['domain', 'add'],
    usage: 'domain add <name>',
    summary: 'host a new domain',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([name]) => ({ call: { method: 'POST', path: '/api/v1/domains', body: { name } }, render: (r) => `domain ${clean((r as Domain).name)} added\n` }),
  },
  {
    words: ['domain', 'list'],
    usage: 'domain list',
    summary: 'list hosted domains',
    options: {},
    args: { min: 0, max: 0 },
    plan: () => ({
      call: { method: 'GET', path: '/api/v1/domains' },
      render: (r) => {
        const { domains } = r as { domains: Domain[] };
        return domains.length ? table(['DOMAIN', 'CREATED'], domains.map((d) => [clean(d.name), day(d.createdAt)])) : 'no domains\n';
      },
    }),
  },
  {
    words: ['domain', 'remove'],
    usage: 'domain remove <name>',
    summary: 'stop hosting a domain (it must have no accounts left)',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([name]) => ({ call: { method: 'DELETE', path: `/api/v1/domains/${enc(name)}` }, render: () => `domain ${clean(name)} removed\n` }),
  },
  ...DOMAIN_POLICY_COMMANDS,
  {
    words: ['user', 'add'],
    usage: 'user add <address> --password <pw> [--name <display name>] [--quota <bytes>] [--quota-messages <n>]',
    summary: 'create an account (without --password: prompt, or read stdin)',
    options: { password: { type: 'string' }, name: { type: 'string' }, quota: { type: 'string' }, 'quota-messages': { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([address], opts) => {
      const pw = passwordFrom(opts);
      const body: Record<string, unknown> = { address, password: pw.password };
      if (typeof opts.name === 'string') body.displayName = opts.name;
      const quota = quotaOption(opts.quota);
      if (quota !== undefined) body.quotaBytes = quota;
      const messages = messageLimitOption('quota-messages', opts['quota-messages']);
      if (messages != null) body.quotaMessages = messages;
      return { call: { method: 'POST', path: '/api/v1/accounts', body }, needsPassword: pw.needsPassword, render: (r) => `user ${clean((r as Account).address)} added\n` };
    },
  },
  {
    words: ['user', 'list'],
    usage: 'user list [--domain <name>]',
    summary: 'list accounts',
    options: { domain: { type: 'string' } },
    args: { min: 0, max: 0 },
    plan: (_args, opts) => ({
      call: { method: 'GET', path: typeof opts.domain === 'string' ? `/api/v1/accounts?domain=${enc(opts.domain)}` : '/api/v1/accounts' },
      render: (r) => {
        const { accounts } = r as { accounts: AccountView[] };
        if (!accounts.length) return 'no users\n';
        return table(
          ['ADDRESS', 'NAME', 'STORAGE', 'MESSAGES', 'STATUS', 'CREATED'],
          accounts.map((a) => [clean(a.address), clean(a.displayName) || '-', storageCell(a), messagesCell(a), a.disabled ? 'disabled' : 'active', day(a.createdAt)]),
        );
      },
    }),
  },
  {
    words: ['user', 'remove'],
    usage: 'user remove <address>',
    summary: 'delete an account and all its mail',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([address]) => ({
      call: { method: 'DELETE', path: `/api/v1/accounts/${enc(address)}` },
      render: (r) => {
        const purged = (r as { messagesPurged?: number }).messagesPurged;
        return `user ${clean(address)} removed${purged === undefined ? '' : ` (${purged} message${purged === 1 ? '' : 's'} deleted)`}\n`;
      },
    }),
  },
  {
    words: ['user', 'passwd'],
    usage: 'user passwd <address> [--password <pw>]',
    summary: "set a user's password (without --password: prompt, or read stdin)",
    options: { password: { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([address], opts) => {
      const pw = passwordFrom(opts);
      return {
        call: { method: 'PUT', path: `/api/v1/accounts/${enc(address)}/password`, body: { password: pw.password } },
        needsPassword: pw.needsPassword,
        render: () => `password of ${clean(address)} changed\n`,
      };
    },
  },
  {
    words: ['alias', 'add'],
    usage: 'alias add <address> <target...>',
    summary: 'create an alias delivering to one or more addresses',
    options: {},
    args: { min: 2, max: 1000 },
    plan: ([address, ...targets]) => ({
      call: { method: 'POST', path: '/api/v1/aliases', body: { address, targets } },
      render: (r) => `alias ${clean((r as Alias).address)} → ${(r as Alias).targets.map(clean).join(', ')} added\n`,
    }),
  },
  {
    words: ['alias', 'list'],
    usage: 'alias list [--domain <name>]',
    summary: 'list aliases',
    options: { domain: { type: 'string' } },
    args: { min: 0, max: 0 },
    plan: (_args, opts) => ({
      call: { method: 'GET', path: typeof opts.domain === 'string' ? `/api/v1/aliases?domain=${enc(opts.domain)}` : '/api/v1/aliases' },
      render: (r) => {
        const { aliases } = r as { aliases: Alias[] };
        return aliases.length ? table(['ALIAS', 'TARGETS'], aliases.map((a) => [clean(a.address), a.targets.map(clean).join(', ')])) : 'no aliases\n';
      },
    }),
  },
  {
    words: ['alias', 'remove'],
    usage: 'alias remove <address>',
    summary: 'delete an alias',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([address]) => ({ call: { method: 'DELETE', path: `/api/v1/aliases/${enc(address)}` }, render: () => `alias ${clean(address)} removed\n` }),
  },
  {
    words: ['queue', 'list'],
    usage: 'queue list [--status <queued|deferred|held|delivered|bounced|failed>] [--domain <d>] [--sender <address>] [--limit <n>]',
    summary: 'show the delivery queue, one line per recipient',
    options: { status: { type: 'string' }, limit: { type: 'string' }, domain: { type: 'string' }, sender: { type: 'string' } },
    args: { min: 0, max: 0 },
    plan: (_args, opts) => {
      const q = new URLSearchParams();
      if (typeof opts.status === 'string') q.set('status', opts.status);
      if (typeof opts.limit === 'string') {
        if (!/^\d+$/.test(opts.limit)) throw new UsageError(`--limit ${JSON.stringify(opts.limit)} is not a number`);
        q.set('limit', opts.limit);
      }
      if (typeof opts.domain === 'string') q.set('domain', opts.domain);
      if (typeof opts.sender === 'string') q.set('sender', opts.sender);
      const qs = q.toString();
      return {
        call: { method: 'GET', path: `/api/v1/queue${qs ? `?${qs}` : ''}` },
        render: (r) => {
          const { entries } = r as { entries: QueueEntry[] };
          if (!entries.length) return 'the queue is empty\n';
          const rows = entries.flatMap((e) =>
            e.recipients.map((rc) => [
              e.queueId,
              clean(e.mailFrom) || '<>',
              clean(rc.address),
              rc.status,
              String(rc.attempts),
              day(rc.nextAttemptAt),
              clean(rc.lastError) || '-',
            ]),
          );
          return table(['QUEUE ID', 'FROM', 'TO', 'STATUS', 'TRIES', 'NEXT ATTEMPT', 'LAST ERROR'], rows);
        },
      };
    },
  },
  ...CONNECTOR_COMMANDS,
  ...GROUP_COMMANDS,
  ...DKIM_COMMANDS,
  ...QUEUE_COMMANDS,
  ...TRACE_COMMANDS,
  ...USER_QUOTA_COMMANDS,
  ...SHARE_COMMANDS,
  ...MIGRATION_COMMANDS,
  ...FETCH_COMMANDS,
];

export function helpText(): string {
  return [
    'mailctl: administer the mail platform through its admin API',
    '',
    'usage: mailctl <command> [options] [--json]',
    '',
    'commands:',
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '  help',
    '      show this help',
    '',
    'options:',
    '  --json   print the API answer as JSON',
    '',
    'environment:',
    '  MAILCTL_URL    admin API base URL (default http://127.0.0.1:8080)',
    '  MAILCTL_TOKEN  admin token (else ADMIN_TOKEN, else the file $DATA_DIR/admin.token, DATA_DIR default ./data)',
    '',
  ].join('\n');
}
