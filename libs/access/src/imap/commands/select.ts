import { tenantOf } from '../caller.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { bad, ok } from '../reply.js';
import { SelectedMailbox } from '../selected-mailbox.js';
import type { Command, CommandSpec } from '../session-handle.js';

type Select = Command<'SELECT' | 'EXAMINE'>;

/** SELECT and EXAMINE (RFC 3501 6.3.1-2), with QRESYNC's resynchronisation (RFC 7162 3.2.5). */
export const select: CommandSpec<Select> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const readOnly = cmd.name === 'EXAMINE';
    if (cmd.qresync && !s.qresync) return bad('QRESYNC parameter without ENABLE QRESYNC');
    // a failed SELECT leaves no mailbox selected (RFC 3501 6.3.1)
    if (s.selected) await s.deselect(true);
    // IMAP4rev1's \Recent: SELECT claims what no session has seen, EXAMINE only looks (RFC 3501 6.3.2)
    // (an IMAP4rev2 session takes no part in it: RFC 9051 has no \Recent)
    const recentMode = s.imap4rev2 ? undefined : readOnly ? 'peek' : 'claim';
    const mailbox = await SelectedMailbox.open(s.ctx.store, user.accountId, mailboxArgument(cmd.mailbox, s.utf8Names), readOnly, s.logger, recentMode, tenantOf(user));
    // a shared mailbox's changes are published on its owner's account (ADR 0044)
    await s.follow(mailbox.view.owner);
    s.select(mailbox);
    await s.out.send(mailbox.selectResponses());
    // a different UIDVALIDITY: everything the client knew is void, nothing to resynchronise
    const q = cmd.qresync;
    if (q && q.uidValidity === mailbox.view.uidValidity) {
      const text = await mailbox.resynchronise(q.modseq, q.knownUids);
      if (text) await s.out.send(text);
    }
    return ok(`${cmd.name} completed`, mailbox.readOnly ? 'READ-ONLY' : 'READ-WRITE');
  },
};
