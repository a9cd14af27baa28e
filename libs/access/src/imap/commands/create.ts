import { mailboxIdCode } from '@mail/imap-protocol';
import { mailboxArgument } from '../mailbox-argument.js';
import { mailboxObjectId } from '../mailbox-object-id.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { tenantOf } from '../caller.js';

type Create = Command<'CREATE'>;

/** \All and \Flagged name virtual views, which a created mailbox could not be */
const CREATABLE_USES = ['\\Drafts', '\\Sent', '\\Trash', '\\Junk', '\\Archive'] as const;

/** CREATE (RFC 3501 6.3.3), with a special use (RFC 6154 3, CREATE-SPECIAL-USE). */
export const create: CommandSpec<Create> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const name = mailboxArgument(cmd.mailbox, s.utf8Names);
    if (name === 'INBOX') return no('INBOX always exists', 'ALREADYEXISTS');
    if (cmd.use.length > 1) return no('One special use per mailbox', 'USEATTR');
    let specialUse: (typeof CREATABLE_USES)[number] | undefined;
    if (cmd.use.length) {
      const known = CREATABLE_USES.find((u) => u.toLowerCase() === cmd.use[0]!.toLowerCase());
      if (!known) return no(`${cmd.use[0]!.slice(0, 40)} is not a special use this server supports`, 'USEATTR');
      specialUse = known;
    }
    // the subscription list is the client's: CREATE does not add to it (RFC 3501 6.3.6)
    const created = await s.ctx.store.createMailbox({ accountId: user.accountId, tenant: tenantOf(user), name, subscribed: false, specialUse });
    // RFC 8474 4.1: the new mailbox's MAILBOXID in the tagged OK
    return ok('CREATE completed', mailboxIdCode(mailboxObjectId(created.id)));
  },
};
