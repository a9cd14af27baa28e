import { esearchResponse, searchResponse, type SearchReturn } from '@mail/imap-protocol';
import { no, ok } from '../reply.js';
import { searchesByModseq } from '../condstore.js';
import { searchCharsetRefused } from '../search-charset.js';
import { toSearchCriterion } from '../search-translate.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Search = Command<'SEARCH'>;

/**
 * What `RETURN (... SAVE)` keeps (RFC 5182 2.4): with MIN and/or MAX but neither ALL nor COUNT,
 * only those messages; otherwise every message found. `numbers` ascend.
 */
export function savedPart(returning: readonly SearchReturn[], numbers: number[]): number[] {
  const min = returning.includes('MIN');
  const max = returning.includes('MAX');
  if ((!min && !max) || returning.includes('ALL') || returning.includes('COUNT') || !numbers.length) return numbers;
  const out: number[] = [];
  const [first, last] = [numbers[0] ?? 0, numbers[numbers.length - 1] ?? 0];
  if (min) out.push(first);
  if (max && (!min || numbers.length > 1)) out.push(last);
  return out;
}

/**
 * SEARCH and UID SEARCH (RFC 3501 6.4.4), with RETURN options answered by ESEARCH (RFC 4731): the
 * store evaluates; numbers come from the session's view.
 */
export const search: CommandSpec<Search> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const view = mailbox.view;
    const saving = cmd.returning?.includes('SAVE') ?? false;
    const refused = searchCharsetRefused(cmd.charset);
    if (refused) {
      // RFC 5182 2.1: a SEARCH with SAVE that fails leaves `$` empty
      if (saving) view.saveResult([]);
      return no(refused.text, refused.code);
    }
    const criteria = toSearchCriterion(cmd.criteria, view);
    let res: { uids: number[] };
    try {
      res = await s.ctx.store.searchMessages({ accountId: user.accountId, mailboxId: mailbox.mailboxId, criteria });
    } catch (err) {
      if (saving) view.saveResult([]);
      throw err;
    }
    const modseqOf = new Map<number, number>();
    for (const uid of res.uids) {
      const seq = view.seqOf(uid);
      if (seq) modseqOf.set(cmd.uid ? uid : seq, view.modseqOf(uid));
    }
    const numbers = [...modseqOf.keys()].sort((a, b) => a - b);
    if (saving) view.saveResult(savedPart(cmd.returning ?? [], numbers).map((n) => (cmd.uid ? n : (view.uidAt(n) ?? 0))));
    // IMAP4rev2 answers every SEARCH with ESEARCH, RETURN (ALL) by default (RFC 9051 6.4.4)
    const returning = cmd.returning ?? (s.imap4rev2 ? ['ALL' as const] : null);
    // RFC 4731 3.2: with only MIN and/or MAX returned, MODSEQ is the highest of the messages they
    // name (the same part SAVE keeps); otherwise of every message found
    const reported = returning ? savedPart(returning, numbers) : numbers;
    const modseq = searchesByModseq(cmd.criteria) ? reported.reduce((m, n) => Math.max(m, modseqOf.get(n) ?? 0), 0) : undefined;
    // RETURN (SAVE) alone answers nothing but the tagged OK (RFC 5182 2.4)
    if (returning?.includes('UPDATE')) {
      // RFC 5267 4.3: the result is kept current (ADDTO/REMOVEFROM) until CANCELUPDATE or the mailbox closes
      const uids = cmd.uid ? numbers : numbers.map((n) => view.uidAt(n) ?? 0);
      if (!s.searchContexts().add(cmd.tag, cmd.uid, cmd.criteria, uids)) return no('Too many UPDATE searches; CANCELUPDATE one', 'LIMIT');
    }
    if (returning && returning.some((r) => r !== 'SAVE')) await s.out.send(esearchResponse({ tag: cmd.tag, uid: cmd.uid, returning, numbers, modseq, partial: cmd.partial }));
    else if (!returning) await s.out.send(searchResponse(numbers, modseq));
    return ok(`${cmd.uid ? 'UID ' : ''}SEARCH completed`);
  },
};
