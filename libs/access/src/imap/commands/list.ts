import { decodeMailboxName, listResponse } from '@mail/imap-protocol';
import { DELIMITER, listEntries, subscriptionSet } from '../mailbox-list.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { mailboxStatusResponse } from './status.js';

/**
 * LIST and LSUB (RFC 3501 6.3.8-9), with LIST's RETURN options (RFC 5258): SUBSCRIBED adds
 * \Subscribed, STATUS (RFC 5819 LIST-STATUS) follows each selectable mailbox's LIST line with its
 * STATUS, from the same store answer (no request per mailbox). An empty LIST pattern asks only
 * for the delimiter.
 */
export const list: CommandSpec<Command<'LIST' | 'LSUB'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const lsub = cmd.name === 'LSUB';
    if (cmd.pattern === '' && !lsub) {
      await s.out.send(listResponse('LIST', ['\\Noselect'], DELIMITER, ''));
      return ok('LIST completed');
    }
    const answer = await s.ctx.store.listMailboxes({ accountId: user.accountId });
    const { subscribed, status } = cmd.returning;
    let text = '';
    for (const e of listEntries(answer.mailboxes, subscriptionSet(answer), decodeMailboxName(cmd.reference), decodeMailboxName(cmd.pattern), lsub)) {
      const attributes = subscribed && e.subscribed ? [...e.attributes, '\\Subscribed'] : e.attributes;
      text += listResponse(cmd.name, attributes, DELIMITER, e.name);
      if (status && e.info) text += mailboxStatusResponse(e.info, status);
    }
    if (text) await s.out.send(text);
    return ok(`${cmd.name} completed`);
  },
};
