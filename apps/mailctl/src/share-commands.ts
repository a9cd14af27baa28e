import { UsageError, type CommandSpec } from './commands.js';
import { clean, table } from './table.js';

const enc = encodeURIComponent;

interface GrantView {
  owner: string;
  mailbox: string;
  name: string;
  rights: string;
}

interface ShareView {
  mailbox: string;
  user: string;
  rights: string;
}

/**
 * `<owner>[:<mailbox>]`, as Exchange names a folder (`alice@example.com:Team`); the owner's INBOX
 * when no mailbox is given. The mailbox part may itself hold ":".
 */
export function parseMailboxRef(ref: string): { owner: string; mailbox: string } {
  const cut = ref.indexOf(':');
  const owner = cut < 0 ? ref : ref.slice(0, cut);
  const mailbox = cut < 0 ? 'INBOX' : ref.slice(cut + 1);
  if (!owner.includes('@') || !mailbox) throw new UsageError(`${JSON.stringify(ref)} is not <owner address>[:<mailbox>]`);
  return { owner, mailbox };
}

/** `mailctl mailbox share|unshare|shares|shared-with`: RFC 4314 rights on an account's mailboxes for users of its domain (ADR 0044). */
export const SHARE_COMMANDS: CommandSpec[] = [
  {
    words: ['mailbox', 'share'],
    usage: 'mailbox share <owner>[:<mailbox>] <user|anyone> <rights>',
    summary: 'share a mailbox (default INBOX) with a user of the same domain: rights lrswipkxtea (c = kx, d = et), +adds, -removes',
    options: {},
    args: { min: 3, max: 3 },
    plan: ([ref, user, rights]) => {
      const { owner, mailbox } = parseMailboxRef(ref);
      return {
        call: { method: 'PUT', path: `/api/v1/accounts/${enc(owner)}/shares`, body: { mailbox, user, rights } },
        render: (r) => {
          const s = r as ShareView;
          return s.rights ? `${clean(owner)}:${clean(s.mailbox)} shared with ${clean(s.user)}: ${s.rights}\n` : `${clean(owner)}:${clean(s.mailbox)} no longer shared with ${clean(s.user)}\n`;
        },
      };
    },
  },
  {
    words: ['mailbox', 'unshare'],
    usage: 'mailbox unshare <owner>[:<mailbox>] <user|anyone>',
    summary: "remove a user's rights on a mailbox (default INBOX)",
    options: {},
    args: { min: 2, max: 2 },
    plan: ([ref, user]) => {
      const { owner, mailbox } = parseMailboxRef(ref);
      return {
        call: { method: 'DELETE', path: `/api/v1/accounts/${enc(owner)}/shares?user=${enc(user)}&mailbox=${enc(mailbox)}` },
        render: (r) => ((r as { deleted: boolean }).deleted ? `${clean(user)} removed from ${clean(owner)}:${clean(mailbox)}\n` : `${clean(user)} had no rights on ${clean(owner)}:${clean(mailbox)}\n`),
      };
    },
  },
  {
    words: ['mailbox', 'shares'],
    usage: 'mailbox shares <owner>',
    summary: "list who may use the account's mailboxes, with which rights",
    options: {},
    args: { min: 1, max: 1 },
    plan: ([owner]) => ({
      call: { method: 'GET', path: `/api/v1/accounts/${enc(owner)}/shares` },
      render: (r) => {
        const shares = (r as { shares: ShareView[] }).shares;
        return shares.length ? table(['MAILBOX', 'USER', 'RIGHTS'], shares.map((s) => [clean(s.mailbox), clean(s.user), s.rights])) : 'no shared mailboxes\n';
      },
    }),
  },
  {
    words: ['mailbox', 'shared-with'],
    usage: 'mailbox shared-with <user>',
    summary: "list the other accounts' mailboxes a user may open, the name it sees them by, and its rights",
    options: {},
    args: { min: 1, max: 1 },
    plan: ([user]) => ({
      call: { method: 'GET', path: `/api/v1/accounts/${enc(user)}/shared-with` },
      render: (r) => {
        const grants = (r as { mailboxes: GrantView[] }).mailboxes;
        if (!grants.length) return `nothing is shared with ${clean(user)}\n`;
        return table(['OWNER', 'MAILBOX', 'SEEN AS', 'RIGHTS'], grants.map((g) => [clean(g.owner), clean(g.mailbox), clean(g.name), g.rights]));
      },
    }),
  },
];
