import { badEventCode } from '@mail/imap-protocol';
import { tenantOf } from '../caller.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { subscriptionSet } from '../mailbox-list.js';
import { NotifyWatch, SUPPORTED_EVENTS, type NotifyHost } from '../notify-watch.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec, ImapUser, SessionHandle } from '../session-handle.js';

const SUPPORTED: ReadonlySet<string> = new Set(SUPPORTED_EVENTS);

function hostFor(s: SessionHandle, user: ImapUser): NotifyHost {
  const tenant = tenantOf(user);
  return {
    accountId: user.accountId,
    selectedId: () => s.selected?.mailboxId,
    async list() {
      const answer = await s.ctx.store.listMailboxes({ accountId: user.accountId, tenant });
      return { mailboxes: answer.mailboxes, subscriptions: subscriptionSet(answer) };
    },
    status: (name) => s.ctx.store.mailboxStatus({ accountId: user.accountId, tenant, name }),
    subscribeOwner: (owner, handler) => s.ctx.changes.subscribe(owner, handler),
    subscribeSubscriptions: (handler) => s.ctx.changes.subscribeSubscriptions(user.accountId, handler),
    subscribeMetadata: (accountId, handler) => s.ctx.changes.subscribeMetadata(accountId, handler),
    subscribeAcl: (handler) => s.ctx.changes.subscribeAcl(tenant, handler),
    wake: () => s.wakeNotify(),
    get utf8() {
      return s.utf8Names;
    },
  };
}

/**
 * NOTIFY (RFC 5465): SET replaces what the session watched (with STATUS, the watched mailboxes'
 * counters at once); NONE stops. Events this server cannot report are refused as a whole with
 * NO [BADEVENT (...)], naming the ones it can (5.1). The watching is NotifyWatch's; when the
 * responses go out, the session's (ADR 0064).
 */
export const notify: CommandSpec<Command<'NOTIFY'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const args = cmd.notify;
    if (!args.set) {
      await s.setNotify(null);
      return ok('NOTIFY completed');
    }
    const unknown = args.groups.flatMap((g) => g.events.map((e) => e.name)).find((n) => !SUPPORTED.has(n));
    if (unknown) return no(`${unknown} is not supported`, badEventCode(SUPPORTED_EVENTS));
    const groups = args.groups.map((g) =>
      g.filter.kind === 'mailboxes' || g.filter.kind === 'subtree' ? { ...g, filter: { ...g.filter, mailboxes: g.filter.mailboxes.map((m) => mailboxArgument(m, s.utf8Names)) } } : g,
    );
    await s.setNotify(null);
    const watch = new NotifyWatch(hostFor(s, user), groups);
    let text: string;
    try {
      text = await watch.start(args.status);
    } catch (err) {
      await watch.stop();
      throw err;
    }
    if (text) await s.out.send(text);
    await s.setNotify(watch);
    return ok('NOTIFY completed');
  },
};
