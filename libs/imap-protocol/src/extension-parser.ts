import type { Cursor } from './cursor.js';
import { parseReturnOptions, parseSearchKeys } from './search-parser.js';
import { parseSortCriteria } from './sort.js';
import type { ImapCommand, SearchReturn } from './types.js';

/**
 * The arguments of the extension commands SORT, THREAD (RFC 5256) and GETQUOTA/GETQUOTAROOT/SETQUOTA
 * (RFC 9208), after the command name.
 */
const MAX_QUOTA_LIMITS = 20;

/** ESORT and CONTEXT=SORT (RFC 5267): SORT's RETURN options; SAVE (SEARCHRES with SORT) is not offered */
const SORT_RETURNS: ReadonlySet<SearchReturn> = new Set<SearchReturn>(['MIN', 'MAX', 'COUNT', 'ALL', 'PARTIAL', 'UPDATE']);

export function parseSort(c: Cursor, tag: string, uid: boolean): ImapCommand {
  c.sp();
  const extras: { partial?: [number, number] } = {};
  const returning = parseReturnOptions(c, SORT_RETURNS, extras);
  const criteria = parseSortCriteria(c);
  c.sp();
  const charset = c.astring().toUpperCase();
  c.sp();
  const search = parseSearchKeys(c);
  return extras.partial ? { tag, name: 'SORT', uid, criteria, charset, search, returning, partial: extras.partial } : { tag, name: 'SORT', uid, criteria, charset, search, returning };
}

export function parseThread(c: Cursor, tag: string, uid: boolean): ImapCommand {
  c.sp();
  const algorithm = c.atom().toUpperCase();
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') c.fail('unsupported threading algorithm');
  c.sp();
  const charset = c.astring().toUpperCase();
  c.sp();
  const search = parseSearchKeys(c);
  return { tag, name: 'THREAD', uid, algorithm, charset, search };
}

export function parseQuotaCommand(c: Cursor, tag: string, name: 'GETQUOTA' | 'GETQUOTAROOT' | 'SETQUOTA'): ImapCommand {
  c.sp();
  const first = c.astring();
  if (name === 'GETQUOTA') {
    c.end();
    return { tag, name, root: first };
  }
  if (name === 'GETQUOTAROOT') {
    c.end();
    return { tag, name, mailbox: first };
  }
  // SETQUOTA root (STORAGE 512 MESSAGE 1000)
  c.sp();
  c.expect('(');
  const limits: [string, number][] = [];
  while (!c.tryChar(')')) {
    if (limits.length) c.sp();
    const resource = c.atom().toUpperCase();
    c.sp();
    limits.push([resource, c.number()]);
    if (limits.length > MAX_QUOTA_LIMITS) c.fail('too many quota resources');
  }
  c.end();
  return { tag, name, root: first, limits };
}
