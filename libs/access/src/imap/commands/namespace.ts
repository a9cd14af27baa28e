import { namespaceResponse } from '@mail/imap-protocol';
import { DELIMITER, SHARED_PREFIX } from '../mailbox-list.js';
import { ok } from '../reply.js';
import type { CommandSpec } from '../session-handle.js';

/**
 * NAMESPACE (RFC 2342): the personal namespace, and the shared one where other accounts' mailboxes
 * shared with the user appear as Shared/<owner address>/<mailbox> (ADR 0044).
 */
export const namespace: CommandSpec<unknown> = {
  state: 'authenticated',
  async run(s) {
    await s.out.send(namespaceResponse(DELIMITER, SHARED_PREFIX));
    return ok('NAMESPACE completed');
  },
};
