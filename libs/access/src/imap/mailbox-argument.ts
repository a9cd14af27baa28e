import { decodeMailboxName } from '@mail/imap-protocol';
import { normalizeMailboxName } from './mailbox-list.js';

/**
 * A mailbox name as a command names it (any case of INBOX) to the store's form: UTF-8 in Unicode
 * NFC (RFC 6855 3, RFC 5198), so a name has one form whichever way a client wrote it. An IMAP4rev1
 * session writes modified UTF-7; once it enabled IMAP4rev2 or UTF8=ACCEPT (`utf8`) the name is
 * UTF-8 as it is, and "&" means "&" (RFC 9051 5.1, RFC 6855 3).
 */
export function mailboxArgument(name: string, utf8 = false): string {
  return normalizeMailboxName((utf8 ? name : decodeMailboxName(name)).normalize('NFC'));
}
