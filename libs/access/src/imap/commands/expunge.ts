import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { uidRangeBatches } from '../uid-batches.js';

type Expunge = Command<'EXPUNGE'>;

/** EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (RFC 4315 2.1): removes \Deleted messages, announcing each. */
export const expunge: CommandSpec<Expunge> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    if (mailbox.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const base = { accountId: user.accountId, mailboxId: mailbox.mailboxId, onlyDeleted: true };
    const expunged: number[] = [];
    let highest = 0;
    let requests = 0;
    if (!cmd.sequence) {
      requests++;
      const res = await s.ctx.store.expungeMessages(base);
      expunged.push(...res.expunged);
      highest = res.highestModseq;
    } else {
      const uids = mailbox.select(cmd.sequence, true).map(([, uid]) => uid);
      for (const ranges of uidRangeBatches(uids)) {
        requests++;
        const res = await s.ctx.store.expungeMessages({ ...base, uids: ranges });
        expunged.push(...res.expunged);
        highest = Math.max(highest, res.highestModseq);
      }
    }
    // one store request (the usual case) took one MODSEQ, which the view may then follow
    const text = mailbox.expunged(expunged, requests === 1 ? highest : undefined);
    if (text) await s.out.send(text);
    // RFC 7162 3.2.7: with QRESYNC the client learns the MODSEQ the mailbox reached
    return ok('EXPUNGE completed', s.qresync && highest ? `HIGHESTMODSEQ ${highest}` : null);
  },
};
