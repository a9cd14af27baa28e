import { namespaceResponse } from '@mail/imap-protocol';
import { DELIMITER } from '../mailbox-list.js';
import { ok } from '../reply.js';
import type { CommandSpec } from '../session-handle.js';

/** NAMESPACE (RFC 2342): one personal namespace, no shared or other users' ones yet. */
export const namespace: CommandSpec<unknown> = {
  state: 'authenticated',
  async run(s) {
    await s.out.send(namespaceResponse(DELIMITER));
    return ok('NAMESPACE completed');
  },
};
