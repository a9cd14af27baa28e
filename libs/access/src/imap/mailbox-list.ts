import type { MailboxInfo } from '@mail/contracts';
import { ListPattern, listResponse } from '@mail/imap-protocol';

export const DELIMITER = '/';
/** where mailboxes other accounts share with the user appear (ADR 0044; the store resolves these names) */
export const SHARED_PREFIX = 'Shared' + DELIMITER;

/** "INBOX" is case-insensitive (RFC 3501 5.1), also as the first level of a hierarchy. */
export function normalizeMailboxName(name: string): string {
  let n = name;
  while (n.endsWith(DELIMITER) && n.length > 1) n = n.slice(0, -1);
  if (/^inbox$/i.test(n)) return 'INBOX';
  if (/^inbox\//i.test(n)) return 'INBOX' + n.slice(5);
  return n;
}

/** Does a name match `reference` + `pattern` (INBOX in any case)? Never a regular expression: see ListPattern. */
export function listMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = normalizeMailboxName(reference + pattern);
  const matcher = new ListPattern(full, DELIMITER);
  const inboxPattern = /^inbox/i.test(full) ? new ListPattern('INBOX' + full.slice(5), DELIMITER) : null;
  return (name) => matcher.matches(name) || (inboxPattern !== null && inboxPattern.matches(name));
}

/** LIST's order: INBOX first, then by name */
export function listOrder(a: string, b: string): number {
  return a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a.localeCompare(b);
}

export interface ListEntry {
  name: string;
  attributes: string[];
  /** the mailbox, when it is one (not a \Noselect parent, not a subscription without a mailbox) */
  info: MailboxInfo | undefined;
  /** the name is on the subscription list */
  subscribed: boolean;
}

/**
 * Whether the user can SELECT/EXAMINE the mailbox: its own, or shared with `r` (RFC 4314 4). A
 * shared mailbox listed for `l` alone is \Noselect to it, like the levels above a share
 * (`Shared`, `Shared/<owner>`, an owner's mailbox that only has shared children), ADR 0072.
 */
export function selectable(info: MailboxInfo): boolean {
  return !info.owner || (info.rights ?? '').includes('r');
}

/** The subscription list of a ListMailboxes answer (a store of an earlier release sends only the flags). */
export function subscriptionSet(list: { mailboxes: MailboxInfo[]; subscriptions?: string[] }): Set<string> {
  return new Set(list.subscriptions ?? list.mailboxes.filter((m) => m.subscribed).map((m) => m.name));
}

/** LIST/LSUB lines for the mailboxes matching `reference` + `pattern` (see listEntries). */
export function listLines(mailboxes: MailboxInfo[], subscriptions: ReadonlySet<string>, reference: string, pattern: string, lsub: boolean): string[] {
  return listEntries(mailboxes, subscriptions, reference, pattern, lsub).map((e) => listResponse(lsub ? 'LSUB' : 'LIST', e.attributes, DELIMITER, e.name));
}

/**
 * The names matching `reference` + `pattern`, with their attributes: LIST walks the mailboxes, LSUB
 * the subscription list, which may name mailboxes that do not exist (RFC 3501 6.3.9; they are listed
 * \Noselect). Parents that are not listed themselves but have matching-level children are listed
 * \Noselect, so `%` walks work.
 */
export function listEntries(mailboxes: MailboxInfo[], subscriptions: ReadonlySet<string>, reference: string, pattern: string, lsub: boolean): ListEntry[] {
  const matches = listMatcher(reference, pattern);

  const real = new Map(mailboxes.map((m) => [m.name, m]));
  const listed = lsub ? new Set(subscriptions) : new Set(real.keys());
  const withChildren = new Set<string>();
  const virtual = new Set<string>();
  for (const name of listed) {
    const parts = name.split(DELIMITER);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(DELIMITER);
      withChildren.add(parent);
      if (!listed.has(parent)) virtual.add(parent);
    }
  }
  const entries: ListEntry[] = [];
  const names = [...new Set([...listed, ...virtual])].sort(listOrder);
  for (const name of names) {
    if (!matches(name)) continue;
    const info = virtual.has(name) ? undefined : real.get(name);
    const attrs: string[] = [];
    if (!info || !selectable(info)) attrs.push('\\Noselect');
    else if (!lsub && info.specialUse) attrs.push(info.specialUse);
    if (!lsub) attrs.push(withChildren.has(name) ? '\\HasChildren' : '\\HasNoChildren');
    entries.push({ name, attributes: attrs, info, subscribed: subscriptions.has(name) });
  }
  return entries;
}
