import { mailboxArgument } from '../mailbox-argument.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Create = Command<'CREATE'>;

/** CREATE (RFC 3501 6.3.3). */
export const create: CommandSpec<Create> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const name = mailboxArgument(cmd.mailbox);
    if (name === 'INBOX') return no('INBOX always exists', 'ALREADYEXISTS');
    // the subscription list is the client's: CREATE does not add to it (RFC 3501 6.3.6)
    await s.ctx.store.createMailbox({ accountId: user.accountId, name, subscribed: false });
    return ok('CREATE completed');
  },
};
