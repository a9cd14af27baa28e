import type { MailboxInfo } from '@mail/contracts';
import { statusResponse, type ObjectIdValue, type StatusItem } from '@mail/imap-protocol';
import { mailboxObjectId } from '../mailbox-object-id.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { tenantOf } from '../caller.js';

/**
 * `* STATUS` for a mailbox the store described: the items asked for, in their order (RFC 3501
 * 6.3.10, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE, RFC 9051 DELETED, RFC 8474 MAILBOXID); items this server cannot count
 * (DELETED in LIST-STATUS) are left out.
 */
export function mailboxStatusResponse(info: MailboxInfo, items: readonly StatusItem[], imap4rev2 = false, utf8 = imap4rev2): string {
  const values: Partial<Record<StatusItem, number | ObjectIdValue>> = {
    MESSAGES: info.messages,
    // messages no session has claimed as \Recent yet (an earlier store release does not count them)
    RECENT: imap4rev2 ? undefined : (info.recent ?? 0),
    UIDNEXT: info.uidNext,
    UIDVALIDITY: info.uidValidity,
    UNSEEN: info.unseen,
    HIGHESTMODSEQ: info.highestModseq,
    SIZE: info.sizeBytes,
    DELETED: info.deleted,
    MAILBOXID: { objectId: mailboxObjectId(info.id) },
  };
  const pairs: [string, number | ObjectIdValue][] = [];
  for (const item of items) {
    const v = values[item];
    if (v !== undefined) pairs.push([item, v]);
  }
  return statusResponse(info.name, pairs, utf8);
}

/** STATUS: one mailbox's counters without selecting it. */
export const status: CommandSpec<Command<'STATUS'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const deleted = cmd.items.includes('DELETED');
    const info = await s.ctx.store.mailboxStatus({ accountId: user.accountId, tenant: tenantOf(user), name: mailboxArgument(cmd.mailbox, s.utf8Names), ...(deleted ? { deleted } : {}) });
    await s.out.send(mailboxStatusResponse(info, cmd.items, s.imap4rev2, s.utf8Names));
    return ok('STATUS completed');
  },
};
