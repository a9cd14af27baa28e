import { sortMessages, sortResponse } from '@mail/imap-protocol';
import { searchesByModseq } from '../condstore.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { searchWithKeys, sortable } from '../sort-keys.js';

/**
 * SORT and UID SORT (RFC 5256 3, DISPLAYFROM/DISPLAYTO of RFC 5957): the store finds the messages
 * and hands their keys; the session extracts base subjects, collates (i;ascii-casemap) and orders.
 */
export const sort: CommandSpec<Command<'SORT'>> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const found = await searchWithKeys(s, cmd, user, mailbox, false);
    if (!Array.isArray(found)) return found;
    const sorted = sortMessages(found.map(sortable), cmd.criteria);
    const view = mailbox.view;
    const modseq = searchesByModseq(cmd.search) && sorted.length ? sorted.reduce((n, m) => Math.max(n, view.modseqOf(m.uid)), 0) : undefined;
    await s.out.send(sortResponse(sorted.map((m) => (cmd.uid ? m.uid : m.seq)), modseq));
    return ok(`${cmd.uid ? 'UID ' : ''}SORT completed`);
  },
};
