import { mailboxArgument } from '../mailbox-argument.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Subscribe = Command<'SUBSCRIBE' | 'UNSUBSCRIBE'>;

/** SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.6-7). */
export const subscribe: CommandSpec<Subscribe> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const subscribed = cmd.name === 'SUBSCRIBE';
    await s.ctx.store.subscribeMailbox({ accountId: user.accountId, name: mailboxArgument(cmd.mailbox, s.utf8Names), subscribed });
    return ok(`${cmd.name} completed`);
  },
};
