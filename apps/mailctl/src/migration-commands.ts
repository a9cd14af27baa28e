import { readFile } from 'node:fs/promises';
import { MigrationCsvError, parseMigrationCsv, type MigrationUserRow } from '@mail/migration-csv';
import { UsageError, type CommandSpec, type FollowUp, type Plan } from './commands.js';
import { formatSize } from './quota.js';
import { clean, table } from './table.js';

interface Counts {
  users: number;
  byState: Record<string, number>;
  folders: number;
  messagesTotal: number;
  messagesDone: number;
  bytesDone: number;
  errors: number;
}
interface Batch {
  name: string;
  host: string;
  port: number;
  tls: string;
  insecure: boolean;
  maxConnections: number;
  messagesPerSecond: number;
  state: string;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  counts: Counts;
}
interface Folder {
  remotePath: string;
  localName: string;
  messagesTotal: number;
  messagesDone: number;
  bytesDone: number;
  errors: number;
  lastError: string | null;
}
interface User {
  emailAddress: string;
  userName: string;
  state: string;
  folders: number;
  messagesTotal: number;
  messagesDone: number;
  bytesDone: number;
  errors: number;
  attempts: number;
  lastError: string | null;
  folderDetails?: Folder[];
}
type BatchWithUsers = Batch & { users: User[] };

const enc = encodeURIComponent;
/** users sent per request: well under the API's body limit even with long passwords */
const PAGE_BYTES = 64 * 1024;
const WATCH_MS = 2000;
const SETTLED = new Set(['created', 'stopped', 'synced', 'completed']);

/** `[##########----------]  50%`; done above total (messages arrived meanwhile) shows full */
export function progressBar(done: number, total: number, width = 20): string {
  const ratio = total > 0 ? Math.min(1, done / total) : done > 0 ? 1 : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

function overview(b: Batch): string {
  const states = Object.entries(b.counts.byState)
    .sort(([a], [c]) => a.localeCompare(c))
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  return [
    `Batch:     ${clean(b.name)} (${b.state})`,
    `Source:    ${clean(b.host)}:${b.port} tls=${b.tls}${b.insecure ? ' (cleartext allowed)' : ''}, at most ${b.maxConnections} connections, ${b.messagesPerSecond} messages/s`,
    `Users:     ${b.counts.users}${states ? ` (${states})` : ''}`,
    `Messages:  ${b.counts.messagesDone} of ${b.counts.messagesTotal} in ${b.counts.folders} folders, ${formatSize(b.counts.bytesDone)}, ${b.counts.errors} errors`,
    `Progress:  ${progressBar(b.counts.messagesDone, b.counts.messagesTotal, 30)}`,
    '',
  ].join('\n');
}

export function renderStatus(b: BatchWithUsers): string {
  const rows = b.users.map((u) => [
    clean(u.emailAddress),
    u.state,
    String(u.folders),
    `${u.messagesDone}/${u.messagesTotal}`,
    progressBar(u.messagesDone, u.messagesTotal),
    formatSize(u.bytesDone),
    String(u.errors),
    clean(u.lastError) || '-',
  ]);
  let text = `${overview(b)}\n${table(['USER', 'STATE', 'FOLDERS', 'MESSAGES', 'PROGRESS', 'BYTES', 'ERRORS', 'LAST ERROR'], rows)}`;
  const one = b.users.length === 1 ? b.users[0] : undefined;
  if (one?.folderDetails) {
    const folders = one.folderDetails.map((f) => [
      clean(f.remotePath),
      clean(f.localName),
      `${f.messagesDone}/${f.messagesTotal}`,
      progressBar(f.messagesDone, f.messagesTotal),
      formatSize(f.bytesDone),
      String(f.errors),
      clean(f.lastError) || '-',
    ]);
    text += `\n${table(['REMOTE FOLDER', 'LOCAL FOLDER', 'MESSAGES', 'PROGRESS', 'BYTES', 'ERRORS', 'LAST ERROR'], folders)}`;
  }
  return text;
}

function numberOption(name: string, value: string | boolean | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} ${JSON.stringify(value)} is not a number`);
  return Number(value);
}

/** The users in pages of at most PAGE_BYTES of JSON each. */
export function pages(users: Array<Omit<MigrationUserRow, 'line'>>): Array<typeof users> {
  const out: Array<typeof users> = [];
  let page: typeof users = [];
  let bytes = 0;
  for (const u of users) {
    const size = Buffer.byteLength(JSON.stringify(u)) + 1;
    if (page.length && (bytes + size > PAGE_BYTES || page.length >= 1000)) {
      out.push(page);
      page = [];
      bytes = 0;
    }
    page.push(u);
    bytes += size;
  }
  if (page.length) out.push(page);
  return out;
}

function createPlan(name: string, opts: Record<string, string | boolean | undefined>): Plan {
  if (typeof opts.csv !== 'string') throw new UsageError('--csv <file> is required');
  if (typeof opts.host !== 'string') throw new UsageError('--host is required');
  const tls = typeof opts.tls === 'string' ? opts.tls : 'implicit';
  if (!['implicit', 'starttls', 'none'].includes(tls)) throw new UsageError(`--tls ${JSON.stringify(tls)}: implicit, starttls or none`);
  const file = opts.csv;
  const body: Record<string, unknown> = {
    name,
    host: opts.host,
    port: numberOption('port', opts.port),
    tls,
    insecure: opts.insecure === true,
    maxConnections: numberOption('max-connections', opts['max-connections']),
    messagesPerSecond: numberOption('messages-per-second', opts['messages-per-second']),
  };
  let rest: ReturnType<typeof pages> = [];
  let total = 0;
  return {
    call: { method: 'POST', path: '/api/v1/migrations', body },
    // the file is checked here, before anything is sent: its problems come back with line numbers
    prepare: async () => {
      let rows: MigrationUserRow[];
      try {
        rows = parseMigrationCsv(await readFile(file));
      } catch (err) {
        if (err instanceof MigrationCsvError) throw new Error(`${file} cannot be used:\n${err.problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}`);
        throw new Error(`cannot read ${file}: ${(err as Error).message}`);
      }
      total = rows.length;
      const [first, ...others] = pages(rows.map(({ emailAddress, userName, password }) => ({ emailAddress, userName, password })));
      body.users = first;
      rest = others;
    },
    then: async (created, ctx: FollowUp) => {
      try {
        for (const users of rest) await ctx.send({ method: 'POST', path: `/api/v1/migrations/${enc(name)}/users`, body: { users } });
      } catch (err) {
        // a batch with part of its users would look complete: remove it, the command can be run again
        await ctx.send({ method: 'DELETE', path: `/api/v1/migrations/${enc(name)}` }).catch(() => undefined);
        throw err;
      }
      return { ...(created as object), users: total };
    },
    render: (r) => `created migration batch ${clean((r as { name: string }).name)} with ${(r as { users: number }).users} users; start it with: mailctl migration start ${name}\n`,
  };
}

function statusPlan(name: string, user: string | undefined, watch: boolean): Plan {
  const q = new URLSearchParams();
  if (user) q.set('user', user);
  const call = { method: 'GET' as const, path: `/api/v1/migrations/${enc(name)}${q.size ? `?${q}` : ''}` };
  return {
    call,
    then: watch
      ? async (first, ctx) => {
          let current = first as BatchWithUsers;
          while (!SETTLED.has(current.state)) {
            if (!ctx.json) ctx.out(`${renderStatus(current)}\n`);
            await new Promise((r) => setTimeout(r, WATCH_MS));
            current = (await ctx.send(call)) as BatchWithUsers;
          }
          return current;
        }
      : undefined,
    render: (r) => renderStatus(r as BatchWithUsers),
  };
}

const actionCommand = (action: 'start' | 'stop' | 'resume' | 'complete', summary: string): CommandSpec => ({
  words: ['migration', action],
  usage: `migration ${action} <name>`,
  summary,
  options: {},
  args: { min: 1, max: 1 },
  plan: ([name]) => ({
    call: { method: 'POST', path: `/api/v1/migrations/${enc(name)}/${action}` },
    render: (r) => overview(r as Batch),
  }),
});

export const MIGRATION_COMMANDS: CommandSpec[] = [
  {
    words: ['migration', 'create'],
    usage:
      'migration create <name> --csv <users.csv> --host <imap host> [--port <n>] [--tls implicit|starttls|none] [--insecure] [--max-connections <n>] [--messages-per-second <n>]',
    summary:
      "create a migration batch from another IMAP server; the CSV is Exchange Online's (EmailAddress,UserName,Password). --tls none only to a loopback host or with --insecure; certificates are always verified (REMOTE_TLS_CA_FILE for a private CA)",
    options: {
      csv: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'string' },
      insecure: { type: 'boolean' },
      'max-connections': { type: 'string' },
      'messages-per-second': { type: 'string' },
    },
    args: { min: 1, max: 1 },
    plan: ([name], opts) => createPlan(name, opts),
  },
  {
    words: ['migration', 'list'],
    usage: 'migration list',
    summary: 'migration batches with their state and progress',
    options: {},
    args: { min: 0, max: 0 },
    plan: () => ({
      call: { method: 'GET', path: '/api/v1/migrations' },
      render: (r) => {
        const batches = (r as { batches: Batch[] }).batches;
        if (!batches.length) return 'no migration batches\n';
        return table(
          ['NAME', 'STATE', 'SOURCE', 'USERS', 'MESSAGES', 'PROGRESS', 'ERRORS'],
          batches.map((b) => [clean(b.name), b.state, `${clean(b.host)}:${b.port}`, String(b.counts.users), `${b.counts.messagesDone}/${b.counts.messagesTotal}`, progressBar(b.counts.messagesDone, b.counts.messagesTotal), String(b.counts.errors)]),
        );
      },
    }),
  },
  {
    words: ['migration', 'status'],
    usage: 'migration status <name> [--user <address>] [--watch]',
    summary: 'per user: state, folders, messages done/total with a progress bar, bytes, errors (--user: that user\'s folders; --watch: redraw until the batch settles)',
    options: { user: { type: 'string' }, watch: { type: 'boolean' } },
    args: { min: 1, max: 1 },
    plan: ([name], opts) => statusPlan(name, typeof opts.user === 'string' ? opts.user : undefined, opts.watch === true),
  },
  actionCommand('start', 'start copying every user of the batch'),
  actionCommand('stop', 'stop the batch: workers stop after their current chunk; nothing copied is lost'),
  actionCommand('resume', 'resume stopped and failed users from where they stopped'),
  actionCommand('complete', 'a final incremental pass for every user (after the MX records point here), then the batch is completed'),
  {
    words: ['migration', 'remove'],
    usage: 'migration remove <name>',
    summary: 'remove a batch that is not running (the copied mail stays)',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([name]) => ({ call: { method: 'DELETE', path: `/api/v1/migrations/${enc(name)}` }, render: () => `removed migration batch ${clean(name)}\n` }),
  },
];
