import type { SearchCriterion } from '@mail/contracts';
import { toRanges, type SearchKey } from '@mail/imap-protocol';
import type { MailboxView } from './mailbox-view.js';

const NOTHING: SearchCriterion = { op: 'not', of: { op: 'all' } };
/** the contract caps `and` lists */
const MAX_AND = 100;

function and(of: SearchCriterion[]): SearchCriterion {
  if (of.length === 1) return of[0]!;
  if (of.length <= MAX_AND) return { op: 'and', of };
  const groups: SearchCriterion[] = [];
  for (let i = 0; i < of.length; i += MAX_AND) groups.push(and(of.slice(i, i + MAX_AND)));
  return and(groups);
}

function uidCriterion(uids: number[]): SearchCriterion {
  return uids.length ? { op: 'uid', ranges: toRanges(uids) } : NOTHING;
}

/**
 * IMAP search keys to the store's criterion. Sequence numbers only mean something to this
 * session, so they become UID ranges here, against the session's view.
 */
export function toSearchCriterion(key: SearchKey, view: MailboxView): SearchCriterion {
  switch (key.op) {
    case 'none':
      return NOTHING;
    case 'and':
      return and(key.of.map((k) => toSearchCriterion(k, view)));
    case 'or':
      return { op: 'or', of: [toSearchCriterion(key.of[0], view), toSearchCriterion(key.of[1], view)] };
    case 'not':
      return { op: 'not', of: toSearchCriterion(key.of, view) };
    case 'seq':
      return uidCriterion(view.select(key.set, false).map(([, uid]) => uid));
    case 'uid':
      return uidCriterion(view.select(key.set, true).map(([, uid]) => uid));
    // \Recent is the session's (the store never has it): the UIDs it holds
    case 'recent':
      return uidCriterion(view.recentUids());
    case 'flag':
      return key.flag.toLowerCase() === '\\recent' ? (key.set ? uidCriterion(view.recentUids()) : { op: 'not', of: uidCriterion(view.recentUids()) }) : key;
    default:
      return key;
  }
}
