import { tenantOf } from '../caller.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Rename = Command<'RENAME'>;

/** RENAME (RFC 3501 6.3.5); of a shared mailbox with "x" on it and "k" on the new parent (RFC 4314 4, ADR 0065). */
export const rename: CommandSpec<Rename> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const target = mailboxArgument(cmd.newName, s.utf8Names);
    if (target === 'INBOX') return no('Cannot rename to INBOX', 'ALREADYEXISTS');
    await s.ctx.store.renameMailbox({ accountId: user.accountId, tenant: tenantOf(user), name: mailboxArgument(cmd.mailbox, s.utf8Names), newName: target });
    return ok('RENAME completed');
  },
};
