import type { Envelope, EnvelopeAddress, MessageSortKeys, ParsedRequestOf, ResponseOf, SortKeyMessage } from '@mail/contracts';
import type { Database } from '@mail/db';
import { REPLY_BUDGET_BYTES, type MailboxService } from './mailbox.service.js';
import { boundReferences } from './references-bound.js';
import { emailSearchIds } from './object-ids.js';
import { compileSearch } from './search-sql.js';

/** addresses kept per field: the first real one is practically always among them */
const ADDRESSES_KEPT = 8;
const ROW_OVERHEAD_BYTES = 200;

interface SortKeyRow {
  uid: number;
  internal_date: Date | string;
  size: number;
  sent_date: Date | string | null;
  envelope: string;
  refs?: string | null;
  /** the References header as written (null: none, or indexed before the store kept it) */
  thread_refs?: string | null;
}

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();
const firstAddresses = (list: EnvelopeAddress[] | null): EnvelopeAddress[] => (list ?? []).slice(0, ADDRESSES_KEPT);

/**
 * The keys IMAP SORT and THREAD need (RFC 5256) for the messages a search finds: one statement per
 * page, the search's WHERE clause over the same index row that supplies the keys.
 */
export class SortKeysService {
  constructor(
    private readonly db: Database,
    private readonly mailboxService: MailboxService,
  ) {}

  async sortKeys(p: ParsedRequestOf<typeof MessageSortKeys>): Promise<ResponseOf<typeof MessageSortKeys>> {
    const mailbox = await this.mailboxService.byId(this.db, p.accountId, p.mailboxId);
    const compiled = compileSearch(p.criteria, 4, emailSearchIds(mailbox.account_id));
    const columns = new Set(['sent_date', 'envelope', ...compiled.indexColumns]);
    if (p.references) columns.add('headers').add('thread_references');
    const list = [...columns].map((c) => (c === 'envelope' ? 'x.envelope::text AS envelope' : `x.${c}`)).join(', ');
    // the header as written; rows indexed before thread_references existed have only the lowercased headers
    const refs = p.references
      ? `, i.thread_references AS thread_refs, CASE WHEN i.thread_references IS NULL THEN (SELECT substr(h, 13) FROM unnest(i.headers) h WHERE h LIKE 'references:%' LIMIT 1) END AS refs`
      : '';
    const { rows } = await this.db.query<SortKeyRow>(
      `SELECT m.uid, m.internal_date, m.size, i.sent_date, i.envelope${refs}
       FROM mail.messages m
       CROSS JOIN LATERAL (SELECT ${list} FROM mail.message_indexes x WHERE x.id = m.index_id OFFSET 0) i
       WHERE m.mailbox_id = $1 AND m.uid > $2 AND ${compiled.where}
       ORDER BY m.uid LIMIT $3`,
      [mailbox.id, p.afterUid, p.limit + 1, ...compiled.params],
    );
    let more = rows.length > p.limit;
    if (more) rows.length = p.limit;
    const messages: SortKeyMessage[] = [];
    let bytes = 0;
    for (const row of rows) {
      const env = JSON.parse(row.envelope) as Envelope;
      const folded = p.references && row.thread_refs == null && row.refs != null;
      const references = p.references ? (row.thread_refs ?? boundReferences(row.refs)) : undefined;
      bytes += ROW_OVERHEAD_BYTES + (env.subject?.length ?? 0) + (references?.length ?? 0) + (env.messageId?.length ?? 0) + (env.inReplyTo?.length ?? 0);
      if (bytes > REPLY_BUDGET_BYTES && messages.length > 0) {
        more = true;
        break;
      }
      messages.push({
        uid: Number(row.uid),
        internalDate: iso(row.internal_date),
        size: Number(row.size),
        sentDate: row.sent_date == null ? null : iso(row.sent_date),
        subject: env.subject,
        from: firstAddresses(env.from),
        to: firstAddresses(env.to),
        cc: firstAddresses(env.cc),
        messageId: env.messageId,
        inReplyTo: env.inReplyTo,
        ...(p.references ? { references } : {}),
        ...(folded ? { referencesFolded: true } : {}),
      });
    }
    return { messages, more };
  }
}
