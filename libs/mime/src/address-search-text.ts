import type { EnvelopeAddress } from '@mail/contracts';
import { decodeWords } from './encoded-words.js';

/**
 * The text IMAP's FROM/TO/CC/BCC search keys look into: RFC 3501 6.4.4 matches "the envelope
 * structure's FROM field", not the header as written. So an address is searched as
 * `Display Name <mailbox@host>` whatever the header looked like: comments inside the addr-spec
 * (`<user (c)@ (c) domain.org>`), a trailing `(Real Name)` comment, obsolete routes and folding are
 * gone, and `user@domain.org` matches every spelling of that address. Groups keep their name
 * (`team: a@x, b@x;`) so a search for the group's name finds its members' message. Display names
 * are decoded (RFC 2047), as SEARCH compares decoded text.
 */
export function addressSearchText(list: EnvelopeAddress[] | null): string {
  if (!list) return '';
  const out: string[] = [];
  let inGroup = false;
  for (const a of list) {
    if (a.host === null) {
      // RFC 3501 7.4.2 group markers: [NIL NIL name NIL] opens a group, all NIL closes it
      if (a.mailbox !== null) {
        out.push(`${decodeWords(a.mailbox)}:`);
        inGroup = true;
      } else if (inGroup) {
        out.push(';');
        inGroup = false;
      }
      continue;
    }
    const spec = `<${a.mailbox ?? ''}@${a.host}>`;
    out.push(a.name ? `${decodeWords(a.name)} ${spec}` : spec);
  }
  return out.join(' ');
}
