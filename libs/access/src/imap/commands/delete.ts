import { ContractError } from '@mail/contracts';
import { mailboxArgument } from '../mailbox-argument.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { tenantOf } from '../caller.js';

type Delete = Command<'DELETE'>;

/** DELETE (RFC 3501 6.3.4); deleting the selected mailbox deselects it first. */
export const deleteMailbox: CommandSpec<Delete> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const name = mailboxArgument(cmd.mailbox, s.utf8Names);
    if (name === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    if (s.selected?.name === name) await s.deselect(false);
    try {
      await s.ctx.store.deleteMailbox({ accountId: user.accountId, tenant: tenantOf(user), name });
    } catch (err) {
      // the store's only INVALID for a DELETE other than INBOX: the mailbox has inferiors (RFC 9051 7.1 HASCHILDREN)
      if (err instanceof ContractError && err.code === 'INVALID') return no('Delete the mailboxes below it first', 'HASCHILDREN');
      throw err;
    }
    return ok('DELETE completed');
  },
};
