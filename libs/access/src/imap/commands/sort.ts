import { esortResponse, sortMessages, sortResponse } from '@mail/imap-protocol';
import { searchesByModseq } from '../condstore.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { searchWithKeys, sortable } from '../sort-keys.js';

/**
 * SORT and UID SORT (RFC 5256 3, DISPLAYFROM/DISPLAYTO of RFC 5957, RETURN options of RFC 5267 ESORT and CONTEXT=SORT): the store finds the messages
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
    const numbers = sorted.map((m) => (cmd.uid ? m.uid : m.seq));
    // CONTEXT=SORT (RFC 5267 4.3): kept current with positioned ADDTO/REMOVEFROM (ADR 0072)
    if (cmd.returning?.includes('UPDATE') && !s.searchContexts().add(cmd.tag, cmd.uid, cmd.search, sorted.map((m) => m.uid), cmd.criteria)) {
      return no('Too many UPDATE searches; CANCELUPDATE one', 'LIMIT');
    }
    // ESORT (RFC 5267): RETURN options are answered by ESEARCH, in sort order
    await s.out.send(cmd.returning ? esortResponse({ tag: cmd.tag, uid: cmd.uid, returning: cmd.returning, numbers, modseq, partial: cmd.partial }) : sortResponse(numbers, modseq));
    return ok(`${cmd.uid ? 'UID ' : ''}SORT completed`);
  },
};
