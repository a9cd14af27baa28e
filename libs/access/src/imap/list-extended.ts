import type { MailboxInfo } from '@mail/contracts';
import type { ListSelect } from '@mail/imap-protocol';
import { DELIMITER, listEntries, listMatcher, listOrder, selectable, type ListEntry } from './mailbox-list.js';

export interface ExtendedListEntry extends ListEntry {
  /** RFC 5258 3.5 CHILDINFO: the selection options a descendant meets (RECURSIVEMATCH only) */
  childInfo?: string[];
}

const ancestors = (name: string): string[] => {
  const parts = name.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
};

/**
 * LIST with RFC 5258's selection options and several patterns. Without a selection option it is
 * the plain LIST of each pattern, each name once. With SUBSCRIBED (and/or RFC 6154's SPECIAL-USE)
 * it lists the names that meet the selection, a subscribed name without a mailbox as
 * \NonExistent; RECURSIVEMATCH adds the matching names with a descendant that meets it and no
 * pattern lists, with CHILDINFO. Cost: one pass over the names per pattern, each match linear (ListPattern).
 */
export function listExtended(
  mailboxes: MailboxInfo[],
  subscriptions: ReadonlySet<string>,
  reference: string,
  patterns: readonly string[],
  select: ListSelect,
): ExtendedListEntry[] {
  const matchers = patterns.map((p) => listMatcher(reference, p));
  const matches = (name: string) => matchers.some((m) => m(name));
  if (!select.subscribed && !select.specialUse) {
    const [only] = patterns;
    if (patterns.length === 1 && only !== undefined) return listEntries(mailboxes, subscriptions, reference, only, false);
    const seen = new Map<string, ListEntry>();
    for (const p of patterns) for (const e of listEntries(mailboxes, subscriptions, reference, p, false)) if (!seen.has(e.name)) seen.set(e.name, e);
    return [...seen.values()].sort((a, b) => listOrder(a.name, b.name));
  }

  const real = new Map(mailboxes.map((m) => [m.name, m]));
  const meets = (name: string) => (!select.subscribed || subscriptions.has(name)) && (!select.specialUse || !!real.get(name)?.specialUse);
  const withRealChildren = new Set<string>();
  for (const name of real.keys()) for (const a of ancestors(name)) withRealChildren.add(a);
  const universe = new Set<string>([...real.keys(), ...subscriptions]);
  const withMeetingDescendant = new Set<string>();
  if (select.recursiveMatch) {
    // CHILDINFO tells of a descendant the client would not see otherwise: one that a pattern
    // lists itself needs no parent listed for it (Dovecot answers the same)
    for (const name of [...universe]) {
      if (!meets(name) || matches(name)) continue;
      for (const a of ancestors(name)) {
        withMeetingDescendant.add(a);
        universe.add(a);
      }
    }
  }
  const childInfo = [...(select.subscribed ? ['SUBSCRIBED'] : []), ...(select.specialUse ? ['SPECIAL-USE'] : [])];
  const out: ExtendedListEntry[] = [];
  for (const name of [...universe].sort(listOrder)) {
    if (!matches(name)) continue;
    const own = meets(name);
    const child = withMeetingDescendant.has(name);
    if (!own && !child) continue;
    const info = real.get(name);
    const attributes: string[] = [];
    if (!info) attributes.push('\\NonExistent');
    else if (!selectable(info)) attributes.push('\\Noselect');
    else if (info.specialUse) attributes.push(info.specialUse);
    if (info || withRealChildren.has(name)) attributes.push(withRealChildren.has(name) ? '\\HasChildren' : '\\HasNoChildren');
    out.push({ name, attributes, info, subscribed: subscriptions.has(name), ...(child ? { childInfo } : {}) });
  }
  return out;
}
