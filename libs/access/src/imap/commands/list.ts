import { decodeMailboxName, listResponse } from '@mail/imap-protocol';
import { listExtended, type ExtendedListEntry } from '../list-extended.js';
import { DELIMITER, listEntries, selectable, subscriptionSet } from '../mailbox-list.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { mailboxStatusResponse } from './status.js';
import { tenantOf } from '../caller.js';

/**
 * LIST and LSUB (RFC 3501 6.3.8-9), with LIST-EXTENDED (RFC 5258): selection options (SUBSCRIBED,
 * REMOTE, RECURSIVEMATCH, and SPECIAL-USE of RFC 6154), several patterns, and RETURN options:
 * SUBSCRIBED adds \Subscribed, STATUS (RFC 5819 LIST-STATUS) follows each selectable mailbox's LIST
 * line with its STATUS, from the same store answer (no request per mailbox); CHILDREN and
 * SPECIAL-USE attributes are always returned. An empty LIST pattern asks only for the delimiter.
 */
export const list: CommandSpec<Command<'LIST' | 'LSUB'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const lsub = cmd.name === 'LSUB';
    const { select } = cmd;
    const selecting = select.subscribed || select.specialUse;
    if (!lsub && !selecting && cmd.patterns.length === 1 && cmd.pattern === '') {
      await s.out.send(listResponse('LIST', ['\\Noselect'], DELIMITER, ''));
      return ok('LIST completed');
    }
    const answer = await s.ctx.store.listMailboxes({ accountId: user.accountId, tenant: tenantOf(user) });
    const { subscribed, status } = cmd.returning;
    // an IMAP4rev2 / UTF8=ACCEPT session writes names and patterns in UTF-8 (RFC 9051 5.1, RFC 6855 3)
    const utf8 = s.utf8Names;
    const name = (text: string) => (utf8 ? text : decodeMailboxName(text)).normalize('NFC');
    const reference = name(cmd.reference);
    // REMOTE (RFC 5258 3.1) selects nothing more here: there are no remote mailboxes
    const entries: ExtendedListEntry[] = lsub
      ? listEntries(answer.mailboxes, subscriptionSet(answer), reference, name(cmd.pattern), true)
      : listExtended(answer.mailboxes, subscriptionSet(answer), reference, cmd.patterns.map(name), select);
    let text = '';
    for (const e of entries) {
      const attributes = subscribed && e.subscribed ? [...e.attributes, '\\Subscribed'] : e.attributes;
      text += listResponse(cmd.name, attributes, DELIMITER, e.name, e.childInfo, utf8);
      // LIST-STATUS only for what STATUS itself would answer: a mailbox the user may read
      if (status && e.info && selectable(e.info)) text += mailboxStatusResponse(e.info, status, s.imap4rev2, utf8);
    }
    if (text) await s.out.send(text);
    return ok(`${cmd.name} completed`);
  },
};
