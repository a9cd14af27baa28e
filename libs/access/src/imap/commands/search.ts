import { esearchResponse, searchResponse } from '@mail/imap-protocol';
import { no, ok } from '../reply.js';
import { searchesByModseq } from '../condstore.js';
import { searchCharsetRefused } from '../search-charset.js';
import { toSearchCriterion } from '../search-translate.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Search = Command<'SEARCH'>;

/**
 * SEARCH and UID SEARCH (RFC 3501 6.4.4), with RETURN options answered by ESEARCH (RFC 4731): the
 * store evaluates; numbers come from the session's view.
 */
export const search: CommandSpec<Search> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const refused = searchCharsetRefused(cmd.charset);
    if (refused) return no(refused.text, refused.code);
    const view = mailbox.view;
    const criteria = toSearchCriterion(cmd.criteria, view);
    const res = await s.ctx.store.searchMessages({ accountId: user.accountId, mailboxId: mailbox.mailboxId, criteria });
    const numbers: number[] = [];
    let highest = 0;
    for (const uid of res.uids) {
      const seq = view.seqOf(uid);
      if (!seq) continue;
      numbers.push(cmd.uid ? uid : seq);
      highest = Math.max(highest, view.modseqOf(uid));
    }
    numbers.sort((a, b) => a - b);
    const modseq = searchesByModseq(cmd.criteria) ? highest : undefined;
    // IMAP4rev2 answers every SEARCH with ESEARCH, RETURN (ALL) by default (RFC 9051 6.4.4)
    const returning = cmd.returning ?? (s.imap4rev2 ? ['ALL' as const] : null);
    if (returning) await s.out.send(esearchResponse({ tag: cmd.tag, uid: cmd.uid, returning, numbers, modseq }));
    else await s.out.send(searchResponse(numbers, modseq));
    return ok(`${cmd.uid ? 'UID ' : ''}SEARCH completed`);
  },
};
