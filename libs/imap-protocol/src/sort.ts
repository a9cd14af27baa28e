import type { Cursor } from './cursor.js';
import { imapString, untagged } from './response.js';
import { partialItem } from './responses.js';
import type { SearchReturn } from './types.js';

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
/**
 * ESORT's answer (RFC 5267 3.2): `* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set`, where
 * MIN and MAX are the first and last message in sort order and ALL keeps the sort order (a range
 * only for numbers that follow each other upwards in it).
 */
export function esortResponse(r: { tag: string; uid: boolean; returning: readonly SearchReturn[]; numbers: readonly number[]; modseq?: number; partial?: readonly [number, number] }): string {
  const n = r.numbers;
  let text = `ESEARCH (TAG ${imapString(r.tag)})${r.uid ? ' UID' : ''}`;
  if (n.length && r.returning.includes('MIN')) text += ` MIN ${n[0]}`;
  if (n.length && r.returning.includes('MAX')) text += ` MAX ${n[n.length - 1]}`;
  if (r.returning.includes('COUNT')) text += ` COUNT ${n.length}`;
  if (n.length && r.returning.includes('ALL')) text += ` ALL ${orderedSet(n)}`;
  if (r.partial) text += partialItem(r.partial, n, orderedSet);
  if (n.length && r.modseq !== undefined) text += ` MODSEQ ${r.modseq}`;
  return untagged(text);
}

/** Numbers in the order given, runs of +1 written as ranges: 3,7:9,2 */
export function orderedSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  let start = numbers[0] ?? 0;
  let prev = start;
  for (let i = 1; i <= numbers.length; i++) {
    const v = numbers[i];
    if (v !== undefined && v === prev + 1) {
      prev = v;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}:${prev}`);
    if (v !== undefined) start = prev = v;
  }
  return parts.join(',');
}

export function sortResponse(numbers: readonly number[], modseq?: number): string {
  if (!numbers.length) return untagged('SORT');
  return untagged(`SORT ${numbers.join(' ')}${modseq !== undefined ? ` (MODSEQ ${modseq})` : ''}`);
}
