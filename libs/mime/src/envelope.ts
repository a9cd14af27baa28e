import type { Envelope } from '@mail/contracts';
import { parseAddressList } from './address-list.js';
import { firstField, type HeaderField } from './header-block.js';

/**
 * ENVELOPE (RFC 3501 7.4.2) from a header block. Values stay raw (encoded words intact) since that
 * is what IMAP returns. Sender and Reply-To fall back to From as the RFC asks of the server.
 */
export function buildEnvelope(fields: HeaderField[]): Envelope {
  const get = (name: string) => firstField(fields, name);
  const from = parseAddressList(get('from'));
  return {
    date: get('date'),
    subject: get('subject'),
    from,
    sender: parseAddressList(get('sender')) ?? from,
    replyTo: parseAddressList(get('reply-to')) ?? from,
    to: parseAddressList(get('to')),
    cc: parseAddressList(get('cc')),
    bcc: parseAddressList(get('bcc')),
    inReplyTo: get('in-reply-to'),
    messageId: get('message-id'),
  };
}
