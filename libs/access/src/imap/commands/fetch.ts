import { FetchCommand } from '../fetch-command.js';
import { bad, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Fetch = Command<'FETCH'>;

/**
 * FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8; CHANGEDSINCE and, with QRESYNC, VANISHED of RFC 7162
 * 3.1.4.1, 3.2.6); the work is FetchCommand's.
 */
export const fetch: CommandSpec<Fetch> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const view = mailbox.view;
    if (cmd.vanished) {
      if (!cmd.uid || !s.qresync) return bad('VANISHED needs UID FETCH and ENABLE QRESYNC');
      const text = await mailbox.vanishedEarlier(cmd.changedSince ?? 0, view.uidRanges(cmd.sequence));
      if (text) await s.out.send(text);
    }
    const announceKeywords = (lists: Iterable<readonly string[]>) => mailbox.announceKeywords(lists);
    await new FetchCommand({ store: s.ctx.store, blobs: s.ctx.blobs, out: s.out, accountId: user.accountId, view, announceKeywords, downgrade: !s.utf8Names, cache: s.ctx.messageCache }).run({
      targets: view.select(cmd.sequence, cmd.uid),
      items: [...cmd.items],
      byUid: cmd.uid,
      changedSince: cmd.changedSince,
    });
    return ok(`${cmd.uid ? 'UID ' : ''}FETCH completed`);
  },
};
