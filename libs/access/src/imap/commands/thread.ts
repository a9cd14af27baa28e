import { threadOrderedSubject, threadReferences, threadResponse } from '@mail/imap-protocol';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { searchWithKeys, threadable } from '../sort-keys.js';

/** THREAD and UID THREAD (RFC 5256 3): ORDEREDSUBJECT and REFERENCES over the messages a search finds. */
export const thread: CommandSpec<Command<'THREAD'>> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    const byReferences = cmd.algorithm === 'REFERENCES';
    const found = await searchWithKeys(s, cmd, user, mailbox, byReferences);
    if (!Array.isArray(found)) return found;
    const messages = found.map((m) => threadable(m, cmd.uid));
    await s.out.send(threadResponse(byReferences ? threadReferences(messages) : threadOrderedSubject(messages)));
    return ok(`${cmd.uid ? 'UID ' : ''}THREAD completed`);
  },
};
