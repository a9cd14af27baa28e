import type { Cursor } from './cursor.js';
import { parseSearchDate } from './date-time.js';
import { isObjectId } from './object-ids.js';
import { parseSequenceSet } from './sequence-set.js';
import type { SearchKey, SearchReturn } from './types.js';

const MAX_DEPTH = 32;
const MAX_KEYS = 500;

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const HEADER_KEYS: Record<string, string> = { BCC: 'bcc', CC: 'cc', FROM: 'from', SUBJECT: 'subject', TO: 'to' };
const DATE_KEYS: Record<string, ['internaldate' | 'sentdate' | 'savedate', 'before' | 'on' | 'since']> = {
  BEFORE: ['internaldate', 'before'],
  ON: ['internaldate', 'on'],
  SINCE: ['internaldate', 'since'],
  SENTBEFORE: ['sentdate', 'before'],
  SENTON: ['sentdate', 'on'],
  SENTSINCE: ['sentdate', 'since'],
  // RFC 8514 4.2
  SAVEDBEFORE: ['savedate', 'before'],
  SAVEDON: ['savedate', 'on'],
  SAVEDSINCE: ['savedate', 'since'],
};

class SearchParser {
  private count = 0;
  constructor(private readonly c: Cursor) {}

  private date(): string {
    const c: Cursor = this.c;
    const text = c.peek() === 0x22 ? c.string() : c.atom();
    const date = parseSearchDate(text);
    if (!date) c.fail('invalid date');
    return date;
  }

  key(depth: number): SearchKey {
    const c: Cursor = this.c;
    if (depth > MAX_DEPTH) c.fail('search nested too deeply');
    if (++this.count > MAX_KEYS) c.fail('too many search keys');
    if (c.tryChar('(')) {
      const of = this.list(depth + 1, ')');
      return of.length === 1 ? of[0]! : { op: 'and', of };
    }
    const first = c.peek();
    // a sequence set, or `$` (RFC 5182: the saved result, a key like any other)
    if (first === 0x2a || first === 0x24 || (first >= 0x30 && first <= 0x39)) return { op: 'seq', set: parseSequenceSet(c) };
    const word = c.atom().toUpperCase();
    const flag = FLAG_KEYS[word];
    if (flag) return { op: 'flag', flag: flag[0], set: flag[1] };
    const header = HEADER_KEYS[word];
    if (header) {
      c.sp();
      return { op: 'header', field: header, value: c.astring() };
    }
    const date = DATE_KEYS[word];
    if (date) {
      c.sp();
      return { op: date[0], cmp: date[1], date: this.date() };
    }
    switch (word) {
      case 'ALL':
        return { op: 'all' };
      // RFC 8514 4.2: every mailbox here keeps save dates, so this matches every message
      case 'SAVEDATESUPPORTED':
        return { op: 'all' };
      // RFC 3501 6.4.4: NEW is RECENT UNSEEN, OLD is NOT RECENT
      case 'RECENT':
        return { op: 'recent' };
      case 'NEW':
        return { op: 'and', of: [{ op: 'recent' }, { op: 'flag', flag: '\\Seen', set: false }] };
      case 'OLD':
        return { op: 'not', of: { op: 'recent' } };
      case 'KEYWORD':
      case 'UNKEYWORD':
        c.sp();
        return { op: 'flag', flag: c.atom(), set: word === 'KEYWORD' };
      case 'BODY':
      case 'TEXT':
        c.sp();
        return { op: word === 'BODY' ? 'body' : 'text', value: c.astring() };
      case 'HEADER': {
        c.sp();
        const field = c.astring();
        c.sp();
        return { op: 'header', field: field.toLowerCase(), value: c.astring() };
      }
      case 'LARGER':
      case 'SMALLER':
        c.sp();
        return { op: 'size', cmp: word === 'LARGER' ? 'larger' : 'smaller', value: c.number() };
      case 'UID':
        c.sp();
        return { op: 'uid', set: parseSequenceSet(c) };
      case 'NOT':
        c.sp();
        return { op: 'not', of: this.key(depth + 1) };
      case 'OR': {
        c.sp();
        const a = this.key(depth + 1);
        c.sp();
        return { op: 'or', of: [a, this.key(depth + 1)] };
      }
      // RFC 8474 6: objectid = 1*255(ALPHA / DIGIT / "_" / "-")
      case 'EMAILID':
      case 'THREADID': {
        c.sp();
        const id = c.atom();
        if (!isObjectId(id)) c.fail(`invalid ${word}`);
        return word === 'EMAILID' ? { op: 'emailid', id } : { op: 'threadid', id };
      }
      case 'MODSEQ': {
        c.sp();
        // optional entry-name entry-type (RFC 7162) are accepted and ignored
        if (c.peek() === 0x22) {
          c.string();
          c.sp();
          c.atom();
          c.sp();
        }
        return { op: 'modseq', value: c.number() };
      }
      default:
        c.fail(`unknown search key ${word.slice(0, 40)}`);
    }
  }

  list(depth: number, close: string | null): SearchKey[] {
    const c: Cursor = this.c;
    const keys: SearchKey[] = [];
    for (;;) {
      keys.push(this.key(depth));
      if (close ? c.tryChar(close) : c.eof()) return keys;
      c.sp();
    }
  }
}

/** search-key *(SP search-key), up to the end of the command; several keys are ANDed. */
/**
 * `RETURN (option ...) ` before SEARCH's (RFC 4731) or SORT's (RFC 5267) keys, with its trailing
 * space; null when there is none. `RETURN ()` means ALL.
 */
export function parseReturnOptions(c: Cursor, allowed: ReadonlySet<SearchReturn>, extras: { partial?: [number, number] } = {}): SearchReturn[] | null {
  if (!c.isKeyword('RETURN')) return null;
  c.pos += 6;
  c.sp();
  c.expect('(');
  const returning: SearchReturn[] = [];
  while (!c.tryChar(')')) {
    if (returning.length) c.sp();
    const option = c.atom().toUpperCase() as SearchReturn;
    if (!allowed.has(option)) c.fail('unknown RETURN option');
    if (returning.includes(option)) c.fail(`RETURN ${option} given twice`);
    if (option === 'PARTIAL') extras.partial = partialRange(c);
    returning.push(option);
  }
  if (!returning.length) returning.push('ALL');
  c.sp();
  return returning;
}

/**
 * PARTIAL's `low:high` (RFC 5267 4.4): 1-based positions in the result, either way round; no `*`,
 * no single number.
 */
function partialRange(c: Cursor): [number, number] {
  c.sp();
  const a = c.nzNumber();
  c.expect(':');
  const b = c.nzNumber();
  return a <= b ? [a, b] : [b, a];
}

export function parseSearchKeys(c: Cursor): SearchKey {
  const keys = new SearchParser(c).list(0, null);
  return keys.length === 1 ? keys[0]! : { op: 'and', of: keys };
}
