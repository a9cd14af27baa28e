import type { Cursor } from './cursor.js';
import { untagged } from './response.js';

/** RFC 5256 sort keys, and RFC 5957's DISPLAYFROM/DISPLAYTO */
export type SortKeyName = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
export interface SortCriterion {
  key: SortKeyName;
  reverse: boolean;
}

const SORT_KEYS = new Set<SortKeyName>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);
const MAX_CRITERIA = 20;

/** `(REVERSE DATE SUBJECT)`: the sort program of SORT (RFC 5256 section 3) */
export function parseSortCriteria(c: Cursor): SortCriterion[] {
  c.expect('(');
  const out: SortCriterion[] = [];
  for (;;) {
    let word = c.atom().toUpperCase();
    let reverse = false;
    if (word === 'REVERSE') {
      reverse = true;
      c.sp();
      word = c.atom().toUpperCase();
    }
    if (!SORT_KEYS.has(word as SortKeyName)) c.fail('unknown sort key');
    out.push({ key: word as SortKeyName, reverse });
    if (out.length > MAX_CRITERIA) c.fail('too many sort keys');
    if (c.tryChar(')')) return out;
    c.sp();
  }
}

/**
 * One message with its keys ready to compare: strings already through the collation
 * (i;ascii-casemap), dates as milliseconds. `order` is the message's place in the mailbox (its
 * sequence number), the final tie-breaker (RFC 5256: equal messages keep mailbox order).
 */
export interface SortableMessage {
  order: number;
  arrival: number;
  date: number;
  size: number;
  subject: string;
  from: string;
  to: string;
  cc: string;
  displayFrom: string;
  displayTo: string;
}

const FIELD: Record<SortKeyName, keyof SortableMessage> = {
  ARRIVAL: 'arrival',
  CC: 'cc',
  DATE: 'date',
  FROM: 'from',
  SIZE: 'size',
  SUBJECT: 'subject',
  TO: 'to',
  DISPLAYFROM: 'displayFrom',
  DISPLAYTO: 'displayTo',
};

/** Sorts by the criteria in turn, then by mailbox order; a new array. */
export function sortMessages<T extends SortableMessage>(messages: readonly T[], criteria: readonly SortCriterion[]): T[] {
  const fields = criteria.map((c) => [FIELD[c.key], c.reverse ? -1 : 1] as const);
  return [...messages].sort((a, b) => {
    for (const [field, sign] of fields) {
      const x = a[field];
      const y = b[field];
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return a.order - b.order;
  });
}

/** `* SORT n n n` in sort order (RFC 5256 4), with `(MODSEQ n)` after a search by MODSEQ (RFC 7162 3.1.5) */
export function sortResponse(numbers: readonly number[], modseq?: number): string {
  if (!numbers.length) return untagged('SORT');
  return untagged(`SORT ${numbers.join(' ')}${modseq !== undefined ? ` (MODSEQ ${modseq})` : ''}`);
}
