import { tagged, type ImapCommand } from '@mail/imap-protocol';
import { bad, no } from '../reply.js';
import type { CommandSpec } from '../session-handle.js';

/** STARTTLS (RFC 3501 6.2.1): the tagged OK goes out in the clear, then the transport becomes TLS. */
export const starttls: CommandSpec<ImapCommand> = {
  state: 'any',
  async run(s, cmd) {
    if (s.secure) return bad('Already secure');
    if (!s.ctx.secureContext) return no('TLS is not available');
    if (s.user) return bad('STARTTLS is only allowed before login');
    await s.out.send(tagged(cmd.tag, 'OK', 'Begin TLS negotiation now'));
    s.upgradeToTls();
    return null;
  },
};
