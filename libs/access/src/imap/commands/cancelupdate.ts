import { bad, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

/** CANCELUPDATE (RFC 5267 4.3): ends the UPDATE contexts of the SEARCH tags named; an unknown one is BAD, and nothing ends. */
export const cancelupdate: CommandSpec<Command<'CANCELUPDATE'>> = {
  state: 'selected',
  run(s, cmd) {
    if (!s.searchContexts().cancel(cmd.tags)) return bad('No such search context');
    return ok('CANCELUPDATE completed');
  },
};
