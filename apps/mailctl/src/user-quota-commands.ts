import { UsageError, type CommandSpec } from './commands.js';
import { formatSize, parseSize } from './quota.js';
import { clean } from './table.js';

export interface AccountView {
  address: string;
  displayName: string | null;
  quotaBytes: number | null;
  quotaMessages?: number | null;
  disabled: boolean;
  createdAt: string;
  usage?: { bytes: number; messages: number } | null;
}

const enc = encodeURIComponent;

/** "1.2 MiB of 5 GiB", "1.2 MiB" without a limit, "? of 5 GiB" when the store did not answer. */
export function storageCell(a: AccountView): string {
  const used = a.usage ? formatSize(a.usage.bytes) : '?';
  return a.quotaBytes == null ? used : `${used} of ${formatSize(a.quotaBytes)}`;
}

export function messagesCell(a: AccountView): string {
  const used = a.usage ? String(a.usage.messages) : '?';
  return a.quotaMessages == null ? used : `${used} of ${a.quotaMessages}`;
}

/** --quota-messages / --messages: a count, or "none" (null) to remove the limit. */
export function messageLimitOption(name: string, value: string | boolean | undefined): number | null | undefined {
  if (typeof value !== 'string') return undefined;
  if (value === 'none') return null;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--${name} ${JSON.stringify(value)} is not a number of messages (or none)`);
  return Number(value);
}

function byteLimitOption(value: string | boolean | undefined): number | null | undefined {
  if (typeof value !== 'string') return undefined;
  if (value === 'none') return null;
  const bytes = parseSize(value);
  if (bytes === null) throw new UsageError(`--bytes ${JSON.stringify(value)} is not a size (bytes, or with K, M, G or T) or none`);
  return bytes;
}

function describeAccount(a: AccountView): string {
  return [
    `user:      ${clean(a.address)}`,
    `name:      ${clean(a.displayName) || '-'}`,
    `status:    ${a.disabled ? 'disabled' : 'active'}`,
    `storage:   ${storageCell(a)}`,
    `messages:  ${messagesCell(a)}`,
    `created:   ${a.createdAt}`,
    '',
  ].join('\n');
}

/** `mailctl user show` and `mailctl user quota`: an account with its usage, and its limits. */
export const USER_QUOTA_COMMANDS: CommandSpec[] = [
  {
    words: ['user', 'show'],
    usage: 'user show <address>',
    summary: 'show an account with what its mailboxes hold against its limits',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([address]) => ({ call: { method: 'GET', path: `/api/v1/accounts/${enc(address)}` }, render: (r) => describeAccount(r as AccountView) }),
  },
  {
    words: ['user', 'quota'],
    usage: 'user quota <address> [--bytes <size>|none] [--messages <n>|none]',
    summary: "set or remove an account's storage and message limits",
    options: { bytes: { type: 'string' }, messages: { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([address], opts) => {
      const body: Record<string, unknown> = {};
      const bytes = byteLimitOption(opts.bytes);
      const messages = messageLimitOption('messages', opts.messages);
      if (bytes !== undefined) body.quotaBytes = bytes;
      if (messages !== undefined) body.quotaMessages = messages;
      if (!Object.keys(body).length) throw new UsageError('nothing to set: give --bytes and/or --messages');
      return { call: { method: 'PUT', path: `/api/v1/accounts/${enc(address)}/quota`, body }, render: (r) => describeAccount(r as AccountView) };
    },
  },
];
