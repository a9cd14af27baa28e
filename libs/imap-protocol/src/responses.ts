import { compressSequenceSet } from './sequence-set.js';
import { flagList, mailboxName, untagged } from './response.js';
import { mailboxIdCode, objectIdValue, type ObjectIdValue } from './object-ids.js';
import type { SearchReturn } from './types.js';

/**
 * Typed builders for the untagged responses and response codes the server sends (RFC 3501 7,
 * RFC 9051 7). Pure: values in, wire text out (CRLF included for whole responses), so each shape is
 * tested byte for byte and sessions never assemble response strings by hand.
 */

/** a quoted string, whatever its length (tags, ID fields: short 7-bit text) */
function quoted(s: string): string {
  return '"' + s.replace(/[\\"]/g, (ch) => '\\' + ch) + '"';
}

/** The system flags every mailbox permits (RFC 3501 2.3.2), in the order FLAGS announces them. */
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;

export function existsResponse(count: number): string {
  return untagged(`${count} EXISTS`);
}

export function recentResponse(count: number): string {
  return untagged(`${count} RECENT`);
}

/**
 * `* VANISHED [(EARLIER)] uid-set` (RFC 7162 3.2.10): removed messages by UID ranges, for a QRESYNC
 * session instead of EXPUNGE (or, EARLIER, what went while it was away); '' for none.
 */
export function vanishedResponse(ranges: ReadonlyArray<readonly [number, number]>, earlier: boolean): string {
  if (!ranges.length) return '';
  const set = ranges.map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');
  return untagged(`VANISHED ${earlier ? '(EARLIER) ' : ''}${set}`);
}

export function expungeResponse(seq: number): string {
  return untagged(`${seq} EXPUNGE`);
}

export interface FlagsUpdate {
  seq: number;
  /** included when the command was a UID command, or always for unsolicited updates */
  uid?: number;
  flags: readonly string[];
  /** CONDSTORE: the message's MODSEQ */
  modseq?: number;
}

/** `* seq FETCH (UID u FLAGS (...))`, the flags part of a FETCH response (RFC 3501 7.4.2). */
export function fetchFlagsResponse(u: FlagsUpdate): string {
  const parts: string[] = [];
  if (u.uid !== undefined) parts.push(`UID ${u.uid}`);
  parts.push(`FLAGS ${flagList(u.flags)}`);
  if (u.modseq !== undefined) parts.push(`MODSEQ (${u.modseq})`);
  return untagged(`${u.seq} FETCH (${parts.join(' ')})`);
}

/** The system flags followed by the mailbox's keywords, as a parenthesised list. */
function allFlags(keywords: Iterable<string>): string[] {
  return [...SYSTEM_FLAGS, ...keywords];
}

/** `* FLAGS (...)`: the flags and keywords defined in the mailbox. */
export function flagsResponse(keywords: Iterable<string>): string {
  return untagged(`FLAGS ${flagList(allFlags(keywords))}`);
}

/** `* OK [PERMANENTFLAGS (...)]`: empty for a read-only mailbox; `\*` when new keywords may be created. */
export function permanentFlagsResponse(keywords: Iterable<string>, readOnly: boolean): string {
  const list = readOnly ? '()' : flagList([...allFlags(keywords), '\\*']);
  return untagged(`OK [PERMANENTFLAGS ${list}] Flags permitted`);
}

/**
 * FLAGS and PERMANENTFLAGS together: how a selected mailbox's defined keywords are announced, at
 * SELECT and again whenever a new keyword comes into use (before any FETCH that shows it).
 */
export function keywordsResponses(keywords: Iterable<string>, readOnly: boolean): string {
  const list = [...keywords];
  return flagsResponse(list) + permanentFlagsResponse(list, readOnly);
}

export interface SelectSummary {
  keywords: readonly string[];
  readOnly: boolean;
  exists: number;
  /** null for an IMAP4rev2 session, which has no \Recent (RFC 9051 dropped the RECENT response) */
  recent: number | null;
  /** sequence number of the first message without \Seen, sent to IMAP4rev1 clients; null when none */
  firstUnseen: number | null;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  /** IMAP4rev2 (RFC 9051 6.3.2): the mailbox's name as the server spells it, sent as a LIST response */
  /** IMAP4rev2 only, so the name goes out in UTF-8 */
  listName?: { name: string; delimiter: string };
  /** RFC 8474 OBJECTID: the mailbox's MAILBOXID */
  mailboxId?: string;
}

/** The untagged responses SELECT and EXAMINE send before their tagged OK (RFC 3501 6.3.1, RFC 9051 6.3.2), in its order. */
export function selectResponses(s: SelectSummary): string {
  return (
    keywordsResponses(s.keywords, s.readOnly) +
    existsResponse(s.exists) +
    (s.recent !== null ? recentResponse(s.recent) : '') +
    (s.firstUnseen !== null ? okResponse(`First unseen`, `UNSEEN ${s.firstUnseen}`) : '') +
    untagged(`OK [UIDVALIDITY ${s.uidValidity}] UIDs valid`) +
    untagged(`OK [UIDNEXT ${s.uidNext}] Predicted next UID`) +
    untagged(`OK [HIGHESTMODSEQ ${s.highestModseq}] Highest`) +
    (s.mailboxId !== undefined ? okResponse('Ok', mailboxIdCode(s.mailboxId)) : '') +
    (s.listName ? listResponse('LIST', [], s.listName.delimiter, s.listName.name, undefined, true) : '')
  );
}

/** `* STATUS name (ITEM n ...)` with the items in the order given; MAILBOXID's value is an objectid (RFC 8474 4.3). */
export function statusResponse(name: string, items: ReadonlyArray<readonly [string, number | ObjectIdValue]>, utf8 = false): string {
  return untagged(`STATUS ${mailboxName(name, utf8)} (${items.map(([k, v]) => `${k} ${typeof v === 'number' ? v : objectIdValue(v)}`).join(' ')})`);
}

/** `* LIST (attrs) "/" name` or the LSUB equivalent. */
export function listResponse(kind: 'LIST' | 'LSUB', attributes: readonly string[], delimiter: string, name: string, childInfo?: readonly string[], utf8 = false): string {
  // RFC 5258 3.5: ("CHILDINFO" ("SUBSCRIBED")) when a descendant meets the selection (RECURSIVEMATCH)
  const extended = childInfo?.length ? ` ("CHILDINFO" (${childInfo.map((o) => `"${o}"`).join(' ')}))` : '';
  return untagged(`${kind} (${attributes.join(' ')}) "${delimiter}" ${name === '' ? '""' : mailboxName(name, utf8)}${extended}`);
}

/**
 * `* SEARCH n n n`, the numbers in the order given; with `modseq` (RFC 7162 3.1.5, a search by
 * MODSEQ that found something) followed by `(MODSEQ n)`.
 */
export function searchResponse(numbers: readonly number[], modseq?: number): string {
  if (!numbers.length) return untagged('SEARCH');
  return untagged(`SEARCH ${numbers.join(' ')}${modseq !== undefined ? ` (MODSEQ ${modseq})` : ''}`);
}

export interface EsearchResult {
  tag: string;
  uid: boolean;
  /** what RETURN asked for (SAVE changes nothing in the response) */
  returning: readonly SearchReturn[];
  /** the numbers found, ascending */
  numbers: readonly number[];
  /** RFC 7162 3.1.5: the highest MODSEQ of the messages found, when the search named MODSEQ */
  modseq?: number;
  /** RFC 5267 4.4 PARTIAL: the 1-based positions of the result to return */
  partial?: readonly [number, number];
}

/** `PARTIAL (low:high set)`, NIL when no message is at those positions (RFC 5267 4.4); `format` writes the set */
export function partialItem(range: readonly [number, number], numbers: readonly number[], format: (n: readonly number[]) => string): string {
  const part = numbers.slice(range[0] - 1, range[1]);
  return ` PARTIAL (${range[0]}:${range[1]} ${part.length ? format(part) : 'NIL'})`;
}

/**
 * `* ESEARCH (TAG "t") [UID] ADDTO (pos set)` / `REMOVEFROM (pos set)` (RFC 5267 4.3): an UPDATE
 * context's result changed. SEARCH results have no order to place them in: position 0.
 */
export function esearchUpdateResponse(tag: string, uid: boolean, kind: 'ADDTO' | 'REMOVEFROM', position: number, numbers: readonly number[]): string {
  return untagged(`ESEARCH (TAG ${quoted(tag)})${uid ? ' UID' : ''} ${kind} (${position} ${compressSequenceSet(numbers)})`);
}

/**
 * `* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set` (RFC 4731 3.1): MIN, MAX and ALL are left
 * out when nothing was found, COUNT is always given when asked for.
 */
export function esearchResponse(r: EsearchResult): string {
  let text = `ESEARCH (TAG ${quoted(r.tag)})${r.uid ? ' UID' : ''}`;
  const found = r.numbers.length > 0;
  if (found && r.returning.includes('MIN')) text += ` MIN ${r.numbers[0]}`;
  if (found && r.returning.includes('MAX')) text += ` MAX ${r.numbers[r.numbers.length - 1]}`;
  if (r.returning.includes('COUNT')) text += ` COUNT ${r.numbers.length}`;
  if (found && r.returning.includes('ALL')) text += ` ALL ${compressSequenceSet(r.numbers)}`;
  if (r.partial) text += partialItem(r.partial, r.numbers, compressSequenceSet);
  if (found && r.modseq !== undefined) text += ` MODSEQ ${r.modseq}`;
  return untagged(text);
}

export function capabilityResponse(capabilities: string): string {
  return untagged(`CAPABILITY ${capabilities}`);
}

export function byeResponse(text: string): string {
  return untagged(`BYE ${text.replace(/[\r\n]+/g, ' ')}`);
}

/** An untagged OK, with an optional response code: `* OK [CODE] text`. */
export function okResponse(text: string, code?: string | null): string {
  return untagged(`OK ${code ? `[${code}] ` : ''}${text.replace(/[\r\n]+/g, ' ')}`);
}

/** `* ENABLED name...` (RFC 5161): only the names this command newly enabled. */
export function enabledResponse(names: readonly string[]): string {
  return untagged(names.length ? `ENABLED ${names.join(' ')}` : 'ENABLED');
}

/** The personal namespace only, "" with "/" as delimiter (RFC 2342). */
export function namespaceResponse(delimiter: string, sharedPrefix?: string): string {
  // RFC 2342: personal, other users', shared; mailboxes shared with the user are in the third (as Dovecot's type=shared)
  const shared = sharedPrefix ? `((${quoted(sharedPrefix)} "${delimiter}"))` : 'NIL';
  return untagged(`NAMESPACE (("" "${delimiter}")) NIL ${shared}`);
}

/** `* ID (...)` (RFC 2971) with quoted field names and values. */
export function idResponse(fields: ReadonlyArray<readonly [string, string]>): string {
  if (!fields.length) return untagged('ID NIL');
  return untagged(`ID (${fields.map(([k, v]) => `${quoted(k)} ${quoted(v)}`).join(' ')})`);
}

/** `APPENDUID validity uid` (RFC 4315). */
export function appendUidCode(uidValidity: number, uid: number): string {
  return `APPENDUID ${uidValidity} ${uid}`;
}

/** `COPYUID validity source-uids target-uids` (RFC 4315): both sets in the order of the pairs. */
export function copyUidCode(uidValidity: number, pairs: ReadonlyArray<readonly [number, number]>): string {
  return `COPYUID ${uidValidity} ${compressSequenceSet(pairs.map(([s]) => s), true)} ${compressSequenceSet(pairs.map(([, d]) => d), true)}`;
}

/** `MODIFIED set` (RFC 7162 3.1.3): the messages a conditional STORE left alone. */
export function modifiedCode(numbers: readonly number[]): string {
  return `MODIFIED ${compressSequenceSet([...numbers])}`;
}
