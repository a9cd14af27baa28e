import { continuation, tagged, type ImapCommand } from '@mail/imap-protocol';
import type { CommandSpec } from '../session-handle.js';

/**
 * IDLE (RFC 2177): the continuation, then changes are pushed as they happen (the session does that
 * while it is idling) until the client sends DONE.
 */
export const idle: CommandSpec<ImapCommand> = {
  state: 'authenticated',
  async run(s, cmd) {
    s.awaitLine(async (text) => {
      await s.synchronise();
      await s.out.send(text.trim().toUpperCase() === 'DONE' ? tagged(cmd.tag, 'OK', 'IDLE terminated') : tagged(cmd.tag, 'BAD', 'Expected DONE'));
    }, true);
    await s.out.send(continuation('idling'));
    await s.synchronise();
    return null;
  },
};
