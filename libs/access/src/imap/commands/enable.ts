import { enabledResponse } from '@mail/imap-protocol';
import { ok } from '../reply.js';
import type { CommandSpec } from '../session-handle.js';

/** ENABLE (RFC 5161): nothing here needs enabling yet, and unknown names are ignored. */
export const enable: CommandSpec<unknown> = {
  state: 'authenticated',
  async run(s) {
    await s.out.send(enabledResponse([]));
    return ok('ENABLE completed');
  },
};
