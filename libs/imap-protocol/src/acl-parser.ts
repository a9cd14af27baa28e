import { InvalidRightsError, parseRightsModification } from './acl-rights.js';
import type { Cursor } from './cursor.js';
import type { ImapCommand } from './types.js';

export type AclCommandName = 'SETACL' | 'DELETEACL' | 'GETACL' | 'LISTRIGHTS' | 'MYRIGHTS';

/**
 * The arguments of RFC 4314's commands after the command name: `mailbox`, then an identifier
 * (SETACL, DELETEACL, LISTRIGHTS), then SETACL's rights. Unknown rights are a BAD (RFC 4314 3.1:
 * never silently ignored).
 */
export function parseAclCommand(c: Cursor, tag: string, name: AclCommandName): ImapCommand {
  c.sp();
  const mailbox = c.astring();
  if (name === 'GETACL' || name === 'MYRIGHTS') {
    c.end();
    return { tag, name, mailbox };
  }
  c.sp();
  const identifier = c.astring();
  if (name === 'DELETEACL' || name === 'LISTRIGHTS') {
    c.end();
    return { tag, name, mailbox, identifier };
  }
  c.sp();
  const text = c.astring();
  c.end();
  try {
    return { tag, name, mailbox, identifier, rights: parseRightsModification(text) };
  } catch (err) {
    if (err instanceof InvalidRightsError) c.fail(err.message.charAt(0).toUpperCase() + err.message.slice(1));
    throw err;
  }
}
