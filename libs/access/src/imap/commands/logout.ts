import { byeResponse, tagged, type ImapCommand } from '@mail/imap-protocol';
import type { CommandSpec } from '../session-handle.js';

/** LOGOUT (RFC 3501 6.1.3): BYE, the tagged OK, then the connection ends. */
export const logout: CommandSpec<ImapCommand> = {
  state: 'any',
  async run(s, cmd) {
    await s.out.send(byeResponse('Logging out'));
    await s.out.send(tagged(cmd.tag, 'OK', 'LOGOUT completed'));
    await s.end();
    return null;
  },
};
