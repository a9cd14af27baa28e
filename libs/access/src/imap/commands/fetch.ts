import { FetchCommand } from '../fetch-command.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Fetch = Command<'FETCH'>;

/** FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8; CHANGEDSINCE of RFC 7162); the work is FetchCommand's. */
export const fetch: CommandSpec<Fetch> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const view = mailbox.view;
    const announceKeywords = (lists: Iterable<readonly string[]>) => mailbox.announceKeywords(lists);
    await new FetchCommand({ store: s.ctx.store, blobs: s.ctx.blobs, out: s.out, accountId: user.accountId, view, announceKeywords }).run({
      targets: view.select(cmd.sequence, cmd.uid),
      items: [...cmd.items],
      byUid: cmd.uid,
      changedSince: cmd.changedSince,
    });
    return ok(`${cmd.uid ? 'UID ' : ''}FETCH completed`);
  },
};
