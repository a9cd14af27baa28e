import { copyUidCode, okResponse } from '@mail/imap-protocol';
import { accountLimits } from '../account-quota.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { uidRangeBatches } from '../uid-batches.js';
import { tenantOf } from '../caller.js';

type Copy = Command<'COPY' | 'MOVE'>;

/**
 * COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), with COPYUID (RFC 4315). MOVE announces COPYUID in an
 * untagged OK before its EXPUNGE responses.
 */
export const copy: CommandSpec<Copy> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const move = cmd.name === 'MOVE';
    if (move && mailbox.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const target = mailboxArgument(cmd.mailbox, s.utf8Names);
    const uids = mailbox.select(cmd.sequence, cmd.uid).map(([, uid]) => uid);
    const label = `${cmd.uid ? 'UID ' : ''}${cmd.name}`;
    if (!uids.length) return ok(`${label} completed (no messages)`);
    const mapping: [number, number][] = [];
    let validity = 0;
    // a MOVE adds nothing to the account; a COPY is held to its limits (RFC 9208: NO [OVERQUOTA])
    const quota = move ? undefined : await accountLimits(s, user);
    for (const ranges of uidRangeBatches(uids)) {
      const res = await s.ctx.store.copyMessages({ accountId: user.accountId, tenant: tenantOf(user), mailboxId: mailbox.mailboxId, uids: ranges, target, move, quota });
      validity = res.targetUidValidity;
      mapping.push(...res.mapping);
    }
    if (target === mailbox.name) mailbox.markPending();
    const code = mapping.length ? copyUidCode(validity, mapping) : null;
    if (!move) return ok(`${label} completed`, code);
    if (code) await s.out.send(okResponse('Moved', code));
    const text = mailbox.expunged(mapping.length ? mapping.map(([src]) => src) : uids);
    if (text) await s.out.send(text);
    return ok(`${label} completed`);
  },
};
