import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Close = Command<'CLOSE' | 'UNSELECT'>;

/** CLOSE (RFC 3501 6.4.2) expunges \Deleted messages silently; UNSELECT (RFC 3691) does not. */
export const close: CommandSpec<Close> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const expunge = cmd.name === 'CLOSE';
    if (expunge && !mailbox.readOnly) {
      await s.ctx.store.expungeMessages({ accountId: user.accountId, mailboxId: mailbox.mailboxId, onlyDeleted: true });
    }
    await s.deselect(false);
    return ok(`${cmd.name} completed`);
  },
};
