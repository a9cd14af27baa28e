import { decodeMailboxName } from '@mail/imap-protocol';
import { normalizeMailboxName } from './mailbox-list.js';

/** A mailbox name as a command names it (modified UTF-7, any case of INBOX) to the store's form. */
export function mailboxArgument(name: string): string {
  return normalizeMailboxName(decodeMailboxName(name));
}
