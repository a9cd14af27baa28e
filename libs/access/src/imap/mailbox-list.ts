import type { MailboxInfo } from '@mail/contracts';
import { ListPattern, listResponse } from '@mail/imap-protocol';

export const DELIMITER = '/';

/** "INBOX" is case-insensitive (RFC 3501 5.1), also as the first level of a hierarchy. */
export function normalizeMailboxName(name: string): string {
  let n = name;
  while (n.endsWith(DELIMITER) && n.length > 1) n = n.slice(0, -1);
  if (/^inbox$/i.test(n)) return 'INBOX';
  if (/^inbox\//i.test(n)) return 'INBOX' + n.slice(5);
  return n;
}

export interface ListEntry {
  name: string;
  attributes: string[];
  /** the mailbox, when it is one (not a \Noselect parent) */
  info: MailboxInfo | undefined;
}

/** LIST/LSUB lines for the mailboxes matching `reference` + `pattern` (see listEntries). */
export function listLines(mailboxes: MailboxInfo[], reference: string, pattern: string, lsub: boolean): string[] {
  return listEntries(mailboxes, reference, pattern, lsub).map((e) => listResponse(lsub ? 'LSUB' : 'LIST', e.attributes, DELIMITER, e.name));
}

/**
 * The mailboxes matching `reference` + `pattern`, with their attributes. Parents that are not
 * mailboxes themselves but have matching-level children are listed \Noselect, so `%` walks work.
 */
export function listEntries(mailboxes: MailboxInfo[], reference: string, pattern: string, lsub: boolean): ListEntry[] {
  const full = normalizeMailboxName(reference + pattern);
  // never a regular expression: see ListPattern
  const matcher = new ListPattern(full, DELIMITER);
  const inboxPattern = /^inbox/i.test(full) ? new ListPattern('INBOX' + full.slice(5), DELIMITER) : null;
  const matches = (name: string) => matcher.matches(name) || (inboxPattern !== null && inboxPattern.matches(name));

  const real = new Map(mailboxes.map((m) => [m.name, m]));
  const withChildren = new Set<string>();
  const virtual = new Set<string>();
  for (const m of mailboxes) {
    if (lsub && !m.subscribed) continue;
    const parts = m.name.split(DELIMITER);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(DELIMITER);
      withChildren.add(parent);
      if (!real.has(parent) || (lsub && !real.get(parent)!.subscribed)) virtual.add(parent);
    }
  }
  const entries: ListEntry[] = [];
  const names = [...new Set([...real.keys(), ...virtual])].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a.localeCompare(b)));
  for (const name of names) {
    if (!matches(name)) continue;
    const info = real.get(name);
    const attrs: string[] = [];
    if (virtual.has(name) || !info) {
      attrs.push('\\Noselect');
    } else {
      if (lsub && !info.subscribed) continue;
      if (!lsub && info.specialUse) attrs.push(info.specialUse);
    }
    if (!lsub) attrs.push(withChildren.has(name) ? '\\HasChildren' : '\\HasNoChildren');
    entries.push({ name, attributes: attrs, info: virtual.has(name) ? undefined : info });
  }
  return entries;
}
