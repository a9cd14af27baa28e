import { astring, mailboxName, untagged } from './response.js';
import { displayRights } from './acl-rights.js';

/** ACL, LISTRIGHTS and MYRIGHTS responses (RFC 4314 3.6-3.8). */

/** `* ACL mailbox identifier rights ...` */
export function aclResponse(mailbox: string, entries: ReadonlyArray<{ identifier: string; rights: string }>): string {
  let text = `ACL ${mailboxName(mailbox)}`;
  for (const e of entries) text += ` ${astring(e.identifier)} ${astring(displayRights(e.rights))}`;
  return untagged(text);
}

/** `* LISTRIGHTS mailbox identifier required optional...` */
export function listRightsResponse(mailbox: string, identifier: string, required: string, optional: readonly string[]): string {
  const groups = optional.map((g) => ' ' + astring(g)).join('');
  return untagged(`LISTRIGHTS ${mailboxName(mailbox)} ${astring(identifier)} ${astring(required)}${groups}`);
}

/** `* MYRIGHTS mailbox rights` */
export function myRightsResponse(mailbox: string, rights: string): string {
  return untagged(`MYRIGHTS ${mailboxName(mailbox)} ${astring(displayRights(rights))}`);
}
