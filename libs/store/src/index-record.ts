import type { Envelope, MessageIndex } from '@mail/contracts';
import { serializeEnvelope } from '@mail/imap-protocol';
import { jsonForColumn, textForColumn as clean } from '@mail/db';
import { addressSearchText, mailDateDay } from '@mail/mime';
import { boundReferences } from './references-bound.js';
import { threadKeys } from './thread-keys.js';

/**
 * The columns of one mail.message_indexes row, derived from what libs/mime computed. The search
 * columns (hdr_*, headers, body_text) are lowercased here with toLowerCase(), as search-sql.ts
 * lowers its patterns: JavaScript's lowering is the same on every replica whatever the database's
 * locale, and ~10× cheaper than PostgreSQL's lower() on a body's text.
 */
export interface IndexRecord {
  size: number;
  headerSize: number;
  envelopeJson: string;
  /** the same envelope in IMAP syntax, what FETCH ENVELOPE sends */
  envelopeImap: string;
  bodyJson: string;
  sentDate: string | null;
  /** the Date header's day in its own zone (YYYY-MM-DD), for SENT* searches */
  sentOn: string | null;
  hdrFrom: string;
  hdrTo: string;
  hdrCc: string;
  hdrBcc: string;
  hdrSubject: string;
  headers: string[];
  bodyText: string;
  /** the References header as written (THREAD compares ids case-sensitively), bounded; null without one */
  threadReferences: string | null;
  /** what joins the message to a thread of its owner's (thread-keys.ts, ADR 0066): 64-bit integers in decimal */
  threadKeys: string[];
}


export function toIndexRecord(index: MessageIndex): IndexRecord {
  const byName = (name: string) =>
    index.headers
      .filter(([n]) => n === name)
      .map(([, v]) => clean(v))
      .join('\n')
      .toLowerCase();
  const envelopeJson = jsonForColumn(index.envelope);
  const envelope = JSON.parse(envelopeJson) as Envelope;
  // FROM/TO/CC/BCC search the envelope's addresses (RFC 3501 6.4.4); a header that yields no
  // address at all (garbage) is still searchable as written
  const byAddress = (name: 'from' | 'to' | 'cc' | 'bcc') => {
    const text = addressSearchText(envelope[name]);
    return text ? clean(text).toLowerCase() : byName(name);
  };
  return {
    size: index.size,
    headerSize: index.headerSize,
    envelopeJson,
    envelopeImap: serializeEnvelope(envelope),
    bodyJson: jsonForColumn(index.body),
    sentDate: index.sentDate,
    sentOn: mailDateDay(index.headers.find(([n]) => n === 'date')?.[1] ?? null),
    hdrFrom: byAddress('from'),
    hdrTo: byAddress('to'),
    hdrCc: byAddress('cc'),
    hdrBcc: byAddress('bcc'),
    hdrSubject: byName('subject'),
    // unfolded so that a HEADER match never spans two fields
    headers: index.headers.map(([n, v]) => clean(`${n}: ${v.replace(/\r?\n[ \t]*/g, ' ')}`).toLowerCase()),
    bodyText: clean(index.text).toLowerCase(),
    threadKeys: threadKeys({
      messageId: envelope.messageId,
      inReplyTo: envelope.inReplyTo,
      references: index.headers.find(([n]) => n === 'references')?.[1],
      subject: index.headers.find(([n]) => n === 'subject')?.[1],
    }),
    threadReferences: boundReferences(clean(index.headers.find(([n]) => n === 'references')?.[1] ?? '').replace(/\s+/g, ' ').trim() || null),
  };
}
