import { idResponse } from '@mail/imap-protocol';
import { ok } from '../reply.js';
import type { CommandSpec } from '../session-handle.js';

/** ID (RFC 2971): names the server; what the client says about itself is not needed. */
export const id: CommandSpec<unknown> = {
  state: 'any',
  async run(s) {
    await s.out.send(idResponse([['name', 'mail-platform']]));
    return ok('ID completed');
  },
};
