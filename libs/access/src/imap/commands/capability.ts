import { capabilityResponse } from '@mail/imap-protocol';
import { ok } from '../reply.js';
import type { CommandSpec, SessionHandle } from '../session-handle.js';

/** CAPABILITY (RFC 3501 6.1.1): what this connection can do in its current state. */
export const capability: CommandSpec<unknown> = {
  state: 'any',
  async run(s: SessionHandle) {
    await s.out.send(capabilityResponse(s.capabilities()));
    return ok('CAPABILITY completed');
  },
};
