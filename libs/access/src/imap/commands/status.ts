import { statusResponse } from '@mail/imap-protocol';
import { mailboxArgument } from '../mailbox-argument.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Status = Command<'STATUS'>;

/** STATUS (RFC 3501 6.3.10, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE): the items asked for, in their order. */
export const status: CommandSpec<Status> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const info = await s.ctx.store.mailboxStatus({ accountId: user.accountId, name: mailboxArgument(cmd.mailbox) });
    const values: Record<string, number> = {
      MESSAGES: info.messages,
      RECENT: 0,
      UIDNEXT: info.uidNext,
      UIDVALIDITY: info.uidValidity,
      UNSEEN: info.unseen,
      HIGHESTMODSEQ: info.highestModseq,
      SIZE: info.sizeBytes,
    };
    const items = cmd.items.filter((i) => i in values).map((i) => [i, values[i]!] as const);
    await s.out.send(statusResponse(info.name, items));
    return ok('STATUS completed');
  },
};
