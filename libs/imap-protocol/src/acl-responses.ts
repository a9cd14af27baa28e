import { astring, mailboxName, untagged } from './response.js';
import { displayRights } from './acl-rights.js';

/** ACL, LISTRIGHTS and MYRIGHTS responses (RFC 4314 3.6-3.8). */

/** `* ACL mailbox identifier rights ...` */
export function aclResponse(mailbox: string, entries: ReadonlyArray<{ identifier: string; rights: string }>, utf8 = false): string {
  let text = `ACL ${mailboxName(mailbox, utf8)}`;
  for (const e of entries) text += ` ${astring(e.identifier)} ${astring(displayRights(e.rights))}`;
  return untagged(text);
}

/** `* LISTRIGHTS mailbox identifier required optional...` */
export function listRightsResponse(mailbox: string, identifier: string, required: string, optional: readonly string[], utf8 = false): string {
  const groups = optional.map((g) => ' ' + astring(g)).join('');
  return untagged(`LISTRIGHTS ${mailboxName(mailbox, utf8)} ${astring(identifier)} ${astring(required)}${groups}`);
}

/** `* MYRIGHTS mailbox rights` */
export function myRightsResponse(mailbox: string, rights: string, utf8 = false): string {
  return untagged(`MYRIGHTS ${mailboxName(mailbox, utf8)} ${astring(displayRights(rights))}`);
}
