import { mailboxArgument } from '../mailbox-argument.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { tenantOf } from '../caller.js';

type Delete = Command<'DELETE'>;

/** DELETE (RFC 3501 6.3.4); deleting the selected mailbox deselects it first. */
export const deleteMailbox: CommandSpec<Delete> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const name = mailboxArgument(cmd.mailbox);
    if (name === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    if (s.selected?.name === name) await s.deselect(false);
    await s.ctx.store.deleteMailbox({ accountId: user.accountId, tenant: tenantOf(user), name });
    return ok('DELETE completed');
  },
};
