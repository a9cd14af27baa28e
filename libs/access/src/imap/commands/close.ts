import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Close = Command<'CLOSE' | 'UNSELECT'>;

/** CLOSE (RFC 3501 6.4.2) expunges \Deleted messages silently; UNSELECT (RFC 3691) does not. */
export const close: CommandSpec<Close> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const expunge = cmd.name === 'CLOSE';
    // CLOSE expunges silently, so a share without "e" just closes (RFC 4314 4)
    if (expunge && !mailbox.readOnly && mailbox.view.allows('e')) {
      await s.ctx.store.expungeMessages({ accountId: user.accountId, mailboxId: mailbox.mailboxId, onlyDeleted: true });
    }
    await s.deselect(false);
    return ok(`${cmd.name} completed`);
  },
};
