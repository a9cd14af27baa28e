import { decodeMailboxName, listResponse } from '@mail/imap-protocol';
import { DELIMITER, listLines } from '../mailbox-list.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type List = Command<'LIST' | 'LSUB'>;

/** LIST and LSUB (RFC 3501 6.3.8-9). An empty LIST pattern asks only for the delimiter. */
export const list: CommandSpec<List> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const lsub = cmd.name === 'LSUB';
    if (cmd.pattern === '' && !lsub) {
      await s.out.send(listResponse('LIST', ['\\Noselect'], DELIMITER, ''));
      return ok('LIST completed');
    }
    const { mailboxes } = await s.ctx.store.listMailboxes({ accountId: user.accountId });
    for (const line of listLines(mailboxes, decodeMailboxName(cmd.reference), decodeMailboxName(cmd.pattern), lsub)) await s.out.send(line);
    return ok(`${cmd.name} completed`);
  },
};
