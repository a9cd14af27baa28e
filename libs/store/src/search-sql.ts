import { collapseWhitespace, ContractError, type SearchCriterion } from '@mail/contracts';
import { canonicalFlag, RECENT } from './flags.js';
import { escapeLike } from './mailbox-name.js';
import { SAVE_DATE, THREAD_ID } from './message.repository.js';
import { mergeRanges } from './uid-ranges.js';

/** Header fields with a column of their own in message_indexes (the ones IMAP names as keys). */
const HEADER_COLUMNS: Record<string, string> = {
  from: 'hdr_from',
  to: 'hdr_to',
  cc: 'hdr_cc',
  bcc: 'hdr_bcc',
  subject: 'hdr_subject',
};

/** Below this many ranges an OR of BETWEENs lets the planner use the primary key; above, an array join. */
const INLINE_RANGES = 16;
const MAX_DEPTH = 64;

export interface CompiledSearch {
  /** boolean SQL over `m` (mail.messages) and, when `needsIndex`, `i` (mail.message_indexes) */
  where: string;
  params: unknown[];
  needsIndex: boolean;
  /** the message_indexes columns the clause reads, so the join fetches (and detoasts) only those */
  indexColumns: string[];
}

/** How object identifiers the client names map to rows, for the mailbox searched. */
export interface SearchIds {
  /** the index row an RFC 8474 EMAILID stands for; null when it is none of this mailbox owner's */
  indexIdOf(emailId: string): number | null;
  /** the thread number an RFC 8474 THREADID stands for (ADR 0066); null when it is none of this owner's */
  threadOf(threadId: string): number | null;
}
const NO_IDS: SearchIds = { indexIdOf: () => null, threadOf: () => null };

/**
 * Translates a SEARCH tree into one parameterised WHERE clause. Values only ever travel as
 * parameters; the SQL text is built from fixed fragments. `firstParam` is the number of the first
 * placeholder to use, so the caller can put its own parameters (mailbox id...) before.
 */
export function compileSearch(criterion: SearchCriterion, firstParam: number, ids: SearchIds = NO_IDS): CompiledSearch {
  const params: unknown[] = [];
  const columns = new Set<string>();
  const use = (column: string): string => {
    columns.add(column);
    return `i.${column}`;
  };
  const p = (value: unknown): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  // The search columns are stored lowercased by index-record.ts with the same toLowerCase() as
  // here (not PostgreSQL's lower(), which follows the database's locale): LIKE is much cheaper than ILIKE.
  const contains = (value: string) => p(`%${escapeLike(value.toLowerCase())}%`);

  const walk = (c: SearchCriterion, depth: number): string => {
    if (depth > MAX_DEPTH) throw new ContractError('INVALID', 'search criteria nested too deeply');
    switch (c.op) {
      case 'all':
        return 'TRUE';
      case 'and':
        return c.of.length ? `(${c.of.map((x) => walk(x, depth + 1)).join(' AND ')})` : 'TRUE';
      case 'or':
        return `(${walk(c.of[0], depth + 1)} OR ${walk(c.of[1], depth + 1)})`;
      case 'not':
        return `NOT ${walk(c.of, depth + 1)}`;
      case 'uid': {
        const ranges = mergeRanges(c.ranges);
        if (!ranges.length) return 'FALSE';
        if (ranges.length <= INLINE_RANGES) {
          return `(${ranges.map(([lo, hi]) => (lo === hi ? `m.uid = ${p(lo)}` : `m.uid BETWEEN ${p(lo)} AND ${p(hi)}`)).join(' OR ')})`;
        }
        return `EXISTS (SELECT 1 FROM unnest(${p(ranges.map((r) => r[0]))}::bigint[], ${p(ranges.map((r) => r[1]))}::bigint[]) r(lo, hi) WHERE m.uid BETWEEN r.lo AND r.hi)`;
      }
      case 'flag': {
        const flag = canonicalFlag(c.flag);
        // \Recent is never set here (see flags.ts), so RECENT matches nothing and UNRECENT everything
        if (flag === RECENT) return c.set ? 'FALSE' : 'TRUE';
        // keywords are case-insensitive (RFC 3501 2.3.2) and kept as each client spelled them
        const has = flag.startsWith('\\') ? `m.flags @> ARRAY[${p(flag)}::text]` : `EXISTS (SELECT 1 FROM unnest(m.flags) f WHERE lower(f) = ${p(flag.toLowerCase())})`;
        return c.set ? has : `NOT ${has}`;
      }
      case 'header': {
        const field = c.field.toLowerCase();
        const column = HEADER_COLUMNS[field];
        // An empty value means "has this header", which the concatenated column cannot tell
        if (column && c.value !== '') return `${use(column)} LIKE ${contains(c.value)}`;
        return `EXISTS (SELECT 1 FROM unnest(${use('headers')}) h WHERE h LIKE ${p(`${escapeLike(field)}:%${escapeLike(c.value.toLowerCase())}%`)})`;
      }
      // the body's text is kept with its white space collapsed (collapseWhitespace): so is the phrase
      case 'body':
        return `${use('body_text')} LIKE ${contains(collapseWhitespace(c.value))}`;
      case 'text':
        return `(${use('body_text')} LIKE ${contains(collapseWhitespace(c.value))} OR array_to_string(${use('headers')}, E'\\n') LIKE ${contains(c.value)})`;
      case 'internaldate':
        return dateCompare('m.internal_date', c.cmp, c.date);
      case 'savedate':
        return dateCompare(SAVE_DATE, c.cmp, c.date);
      case 'sentdate':
        // RFC 3501 compares the Date: header's day in its own zone (sent_on); rows indexed before
        // sent_on existed use the UTC day, and a message without a Date: header its internal date's
        return dayCompare(`COALESCE(${use('sent_on')}, (COALESCE(${use('sent_date')}, m.internal_date) AT TIME ZONE 'UTC')::date)`, c.cmp, c.date);
      case 'size':
        return c.cmp === 'larger' ? `m.size > ${p(c.value)}` : `m.size < ${p(c.value)}`;
      case 'modseq':
        return `m.modseq >= ${p(c.value)}`;
      // an EMAILID names an index row (object-ids.ts); one that is not this owner's matches nothing
      case 'emailid': {
        const indexId = ids.indexIdOf(c.id);
        return indexId === null ? 'FALSE' : `m.index_id = ${p(indexId)}`;
      }
      // a THREADID names an owner's thread number (ADR 0066); rows without one are threads of their own
      case 'threadid': {
        const thread = ids.threadOf(c.id);
        return thread === null ? 'FALSE' : `${THREAD_ID} = ${p(thread)}`;
      }
      default:
        throw new ContractError('INVALID', `unknown search criterion ${(c as { op: string }).op}`);
    }
  };

  /** Dates are days (RFC 3501 ignores time); we take the day in UTC. */
  const dateCompare = (column: string, cmp: 'before' | 'on' | 'since', date: string): string => {
    const start = dayStart(date);
    const next = new Date(Date.parse(start) + 86_400_000).toISOString();
    if (cmp === 'before') return `${column} < ${p(start)}::timestamptz`;
    if (cmp === 'since') return `${column} >= ${p(start)}::timestamptz`;
    return `(${column} >= ${p(start)}::timestamptz AND ${column} < ${p(next)}::timestamptz)`;
  };

  /** A date column against a day. */
  const dayCompare = (column: string, cmp: 'before' | 'on' | 'since', date: string): string => {
    dayStart(date);
    const op = cmp === 'before' ? '<' : cmp === 'since' ? '>=' : '=';
    return `${column} ${op} ${p(date)}::date`;
  };

  const where = walk(criterion, 0);
  return { where, params, needsIndex: columns.size > 0, indexColumns: [...columns].sort() };
}

function dayStart(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t)) throw new ContractError('INVALID', `invalid date ${date}`);
  return new Date(t).toISOString();
}
