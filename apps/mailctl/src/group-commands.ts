import { UsageError, type CommandSpec } from './commands.js';
import { clean, table } from './table.js';

interface Group {
  address: string;
  displayName: string | null;
  hostedSendersOnly: boolean;
  members: string[];
}

const enc = encodeURIComponent;
const senders = (g: Group) => (g.hostedSendersOnly ? 'hosted only' : 'anyone');

function describeGroup(g: Group): string {
  const lines = [
    `group:    ${clean(g.address)}`,
    `name:     ${clean(g.displayName) || '-'}`,
    `senders:  ${senders(g)}`,
    `members:  ${g.members.length ? '' : '(none)'}`,
    ...g.members.map((m) => `  ${clean(m)}`),
  ];
  return `${lines.join('\n').replace(/ +$/gm, '')}\n`;
}

/** The body of `group set`: only what the command line names changes. */
export function groupChange(opts: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (typeof opts.name === 'string') body.displayName = opts.name.trim() || null;
  if (typeof opts.senders === 'string') {
    if (opts.senders !== 'anyone' && opts.senders !== 'hosted-only') throw new UsageError(`--senders takes anyone or hosted-only, not ${JSON.stringify(opts.senders)}`);
    body.hostedSendersOnly = opts.senders === 'hosted-only';
  }
  if (typeof opts.members === 'string') {
    body.members = opts.members.trim() === 'none' ? [] : opts.members.split(',').map((m) => m.trim()).filter(Boolean);
  }
  if (!Object.keys(body).length) throw new UsageError('nothing to set: give --name, --senders or --members');
  return body;
}

/** `mailctl group ...`: distribution groups (GroupsController). */
export const GROUP_COMMANDS: CommandSpec[] = [
  {
    words: ['group', 'add'],
    usage: 'group add <address> [member...] [--name <display name>] [--hosted-only]',
    summary: 'create a distribution group; --hosted-only: refuse mail from outside the platform',
    options: { name: { type: 'string' }, 'hosted-only': { type: 'boolean' } },
    args: { min: 1, max: 1000 },
    plan: ([address, ...members], opts) => {
      const body: Record<string, unknown> = { address, members };
      if (typeof opts.name === 'string') body.displayName = opts.name;
      if (opts['hosted-only'] === true) body.hostedSendersOnly = true;
      return {
        call: { method: 'POST', path: '/api/v1/groups', body },
        render: (r) => `group ${clean((r as Group).address)} added (${(r as Group).members.length} member${(r as Group).members.length === 1 ? '' : 's'}, senders: ${senders(r as Group)})\n`,
      };
    },
  },
  {
    words: ['group', 'list'],
    usage: 'group list [--domain <name>]',
    summary: 'list distribution groups',
    options: { domain: { type: 'string' } },
    args: { min: 0, max: 0 },
    plan: (_args, opts) => ({
      call: { method: 'GET', path: typeof opts.domain === 'string' ? `/api/v1/groups?domain=${enc(opts.domain)}` : '/api/v1/groups' },
      render: (r) => {
        const { groups } = r as { groups: Group[] };
        if (!groups.length) return 'no groups\n';
        return table(
          ['GROUP', 'NAME', 'SENDERS', 'MEMBERS'],
          groups.map((g) => [clean(g.address), clean(g.displayName) || '-', senders(g), g.members.map(clean).join(', ') || '-']),
        );
      },
    }),
  },
  {
    words: ['group', 'show'],
    usage: 'group show <address>',
    summary: 'show a group and its members',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([address]) => ({ call: { method: 'GET', path: `/api/v1/groups/${enc(address)}` }, render: (r) => describeGroup(r as Group) }),
  },
  {
    words: ['group', 'remove'],
    usage: 'group remove <address>',
    summary: 'delete a group (its members are untouched)',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([address]) => ({ call: { method: 'DELETE', path: `/api/v1/groups/${enc(address)}` }, render: () => `group ${clean(address)} removed\n` }),
  },
  {
    words: ['group', 'set'],
    usage: "group set <address> [--name <display name>|''] [--senders anyone|hosted-only] [--members <a,b,...>|none]",
    summary: 'change a group: its name, who may send to it, or its whole member list',
    options: { name: { type: 'string' }, senders: { type: 'string' }, members: { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([address], opts) => ({
      call: { method: 'PATCH', path: `/api/v1/groups/${enc(address)}`, body: groupChange(opts) },
      render: (r) => describeGroup(r as Group),
    }),
  },
  {
    words: ['group', 'members'],
    usage: 'group members add|remove <group> <member...>',
    summary: 'add members to a group, or remove them',
    options: {},
    args: { min: 3, max: 1002 },
    plan: ([verb, address, ...members]) => {
      if (verb !== 'add' && verb !== 'remove') throw new UsageError(`"group members" takes add or remove, not ${JSON.stringify(verb)}`);
      return {
        call: { method: 'PATCH', path: `/api/v1/groups/${enc(address)}/members`, body: { [verb]: members } },
        render: (r) => `group ${clean((r as Group).address)} now has ${(r as Group).members.length} member${(r as Group).members.length === 1 ? '' : 's'}\n`,
      };
    },
  },
];
