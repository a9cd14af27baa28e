import type { Cursor } from './cursor.js';
import { parseFetchItems } from './fetch-parser.js';
import { mailboxName, untagged } from './response.js';
import type { FetchItem } from './types.js';

/**
 * RFC 5465 NOTIFY: which mailboxes a client wants to hear about, and what of them.
 *
 *   notify = "NOTIFY" SP (("SET" [SP "STATUS"] SP event-groups) / "NONE")
 *   event-group = "(" filter-mailboxes SP ("(" event *(SP event) ")" / "NONE") ")"
 */
export type NotifyFilter =
  | { kind: 'selected' | 'selected-delayed' | 'inboxes' | 'personal' | 'subscribed' }
  | { kind: 'subtree' | 'mailboxes'; mailboxes: string[] };

/** An event name as written (case-insensitive atoms, kept canonical when known) and MessageNew's fetch-att. */
export interface NotifyEvent {
  name: string;
  fetch?: FetchItem[];
}

export interface NotifyGroup {
  filter: NotifyFilter;
  /** empty: NONE (nothing about these mailboxes) */
  events: NotifyEvent[];
}

export type NotifyArgs = { set: false } | { set: true; status: boolean; groups: NotifyGroup[] };

/** The events this server knows the name of, as RFC 5465 spells them. */
export const NOTIFY_EVENT_NAMES = ['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange', 'MailboxName', 'SubscriptionChange', 'MailboxMetadataChange', 'ServerMetadataChange'] as const;

const CANONICAL = new Map(NOTIFY_EVENT_NAMES.map((n) => [n.toUpperCase(), n as string]));
const MESSAGE_EVENTS = new Set(['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange']);
const MAX_GROUPS = 20;
const MAX_EVENTS = 20;
const MAX_MAILBOXES = 100;

function mailboxList(c: Cursor): string[] {
  if (!c.tryChar('(')) return [c.astring()];
  const names: string[] = [];
  for (;;) {
    names.push(c.astring());
    if (names.length > MAX_MAILBOXES) c.fail('too many mailboxes in a NOTIFY filter');
    if (c.tryChar(')')) return names;
    c.sp();
  }
}

function filter(c: Cursor): NotifyFilter {
  const word = c.atom().toLowerCase();
  switch (word) {
    case 'selected':
    case 'selected-delayed':
    case 'inboxes':
    case 'personal':
    case 'subscribed':
      return { kind: word };
    case 'subtree':
    case 'mailboxes':
      c.sp();
      return { kind: word, mailboxes: mailboxList(c) };
    default:
      return c.fail('unknown NOTIFY filter');
  }
}

function events(c: Cursor, selected: boolean): NotifyEvent[] {
  if (c.isKeyword('NONE')) {
    c.pos += 4;
    return [];
  }
  c.expect('(');
  const out: NotifyEvent[] = [];
  for (;;) {
    const written = c.atom();
    const name = CANONICAL.get(written.toUpperCase()) ?? written.slice(0, 40);
    const ev: NotifyEvent = { name };
    if (name === 'MessageNew' && c.peek() === 0x20 && c.buf[c.pos + 1] === 0x28) {
      // RFC 5465 5.2: fetch attributes only where the client has the mailbox selected
      if (!selected) c.fail('MessageNew fetch attributes only for the selected mailbox');
      c.sp();
      const items = parseFetchItems(c);
      ev.fetch = items;
    }
    if (out.some((e) => e.name === name)) c.fail(`${name} given twice`);
    out.push(ev);
    if (out.length > MAX_EVENTS) c.fail('too many NOTIFY events');
    if (c.tryChar(')')) break;
    c.sp();
  }
  const has = (n: string) => out.some((e) => e.name === n);
  // RFC 5465 5: MessageNew and MessageExpunge go together, and FlagChange/AnnotationChange need both
  if (has('MessageNew') !== has('MessageExpunge')) c.fail('MessageNew and MessageExpunge must be given together');
  if ((has('FlagChange') || has('AnnotationChange')) && !has('MessageNew')) c.fail('FlagChange and AnnotationChange need MessageNew and MessageExpunge');
  return out;
}

/** The arguments after `NOTIFY`, up to the end of the command. */
export function parseNotify(c: Cursor): NotifyArgs {
  c.sp();
  const verb = c.atom().toUpperCase();
  if (verb === 'NONE') {
    c.end();
    return { set: false };
  }
  if (verb !== 'SET') c.fail('NOTIFY takes SET or NONE');
  c.sp();
  let status = false;
  if (c.isKeyword('STATUS')) {
    c.pos += 6;
    status = true;
    c.sp();
  }
  const groups: NotifyGroup[] = [];
  for (;;) {
    c.expect('(');
    const f = filter(c);
    c.sp();
    const selected = f.kind === 'selected' || f.kind === 'selected-delayed';
    const evs = events(c, selected);
    c.expect(')');
    if (selected && groups.some((g) => g.filter.kind === 'selected' || g.filter.kind === 'selected-delayed')) c.fail('the selected mailbox named twice');
    groups.push({ filter: f, events: evs });
    if (groups.length > MAX_GROUPS) c.fail('too many NOTIFY event groups');
    if (c.eof()) break;
    c.sp();
  }
  return { set: true, status, groups };
}

/** Whether an event concerns messages (the rest concern mailboxes or the server). */
export function isMessageEvent(name: string): boolean {
  return MESSAGE_EVENTS.has(name);
}

/** `NO [BADEVENT (...)]`'s code (RFC 5465 5.1): the events this server can report. */
export function badEventCode(supported: readonly string[]): string {
  return `BADEVENT (${supported.join(' ')})`;
}

/** `* OK [NOTIFICATIONOVERFLOW] text` (RFC 5465 5.8): notifications stopped; NOTIFY NONE is in force. */
export function notificationOverflowResponse(): string {
  return untagged('OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY is off');
}

/**
 * RFC 5465 5.4 MailboxName: `* LIST (attrs) "/" name`, a deleted mailbox with `\NonExistent`
 * (RFC 5258), a renamed one with its old name as extended data: `("OLDNAME" ("old"))`.
 */
export function mailboxNameResponse(attributes: readonly string[], delimiter: string, name: string, oldName: string | null, utf8 = false): string {
  const extended = oldName === null ? '' : ` ("OLDNAME" (${mailboxName(oldName, utf8)}))`;
  return untagged(`LIST (${attributes.join(' ')}) "${delimiter}" ${mailboxName(name, utf8)}${extended}`);
}
