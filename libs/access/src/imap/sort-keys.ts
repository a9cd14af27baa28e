import type { EnvelopeAddress, SearchCriterion, SortKeyMessage } from '@mail/contracts';
import { asciiCasemap, baseSubject, parseMessageIds, type SearchKey, type SortableMessage, type ThreadMessage } from '@mail/imap-protocol';
import { decodeWords } from '@mail/mime';
import type { MailStorePort } from '../ports/mail-store.port.js';
import type { MailboxView } from './mailbox-view.js';
import { no, type Reply } from './reply.js';
import { searchCharsetRefused } from './search-charset.js';
import { toSearchCriterion } from './search-translate.js';
import type { ImapUser, SessionHandle } from './session-handle.js';
import type { SelectedMailbox } from './selected-mailbox.js';

/** a message the session can name, with its sort keys */
export interface KeyedMessage {
  seq: number;
  uid: number;
  keys: SortKeyMessage;
}

/**
 * The sort keys of the messages a search finds, from the store page by page, keeping those the
 * session's view knows (a message that arrived since is not the client's yet).
 */
export async function loadSortKeys(
  store: MailStorePort,
  ref: { accountId: string; mailboxId: string },
  criteria: SearchCriterion,
  view: MailboxView,
  references: boolean,
): Promise<KeyedMessage[]> {
  const out: KeyedMessage[] = [];
  let afterUid = 0;
  for (;;) {
    const page = await store.messageSortKeys({ ...ref, criteria, afterUid, limit: 5000, references });
    for (const keys of page.messages) {
      const seq = view.seqOf(keys.uid);
      if (seq) out.push({ seq, uid: keys.uid, keys });
    }
    const last = page.messages[page.messages.length - 1];
    if (!page.more || !last) return out;
    afterUid = last.uid;
  }
}

/**
 * What SORT and THREAD start from: the messages their search program finds, with their keys, or the
 * refusal of a charset they cannot search in.
 */
export async function searchWithKeys(
  s: SessionHandle,
  search: { charset: string; search: SearchKey },
  user: ImapUser,
  mailbox: SelectedMailbox,
  references: boolean,
): Promise<KeyedMessage[] | Reply> {
  const refused = searchCharsetRefused(search.charset);
  if (refused) return no(refused.text, refused.code);
  const view = mailbox.view;
  const criteria = toSearchCriterion(search.search, view);
  return loadSortKeys(s.ctx.store, { accountId: user.accountId, mailboxId: mailbox.mailboxId }, criteria, view, references);
}

/**
 * The first entry of an address field (RFC 5256 "the first address"): an address, or the start of
 * a group, whose envelope entry (RFC 3501 7.4.2) carries the group's name as its mailbox. So
 * `To: team: a@x, b@x;` sorts by "team", as the envelope a client sees starts with it; only a
 * stray end-of-group marker (all NIL) is skipped.
 */
function firstAddress(list: readonly EnvelopeAddress[]): EnvelopeAddress | null {
  return list.find((a) => a.mailbox !== null) ?? null;
}

const decoded = (text: string | null | undefined) => (text ? decodeWords(text) : '');

/** RFC 5256 FROM/TO/CC: the addr-mailbox (local part) of the first address */
const mailboxKey = (list: readonly EnvelopeAddress[]) => asciiCasemap(decoded(firstAddress(list)?.mailbox));

/**
 * RFC 5957 DISPLAYFROM/DISPLAYTO: the first address's display name, or its addr-spec when it has
 * none; a group's display name is its name.
 */
function displayKey(list: readonly EnvelopeAddress[]): string {
  const a = firstAddress(list);
  if (!a) return '';
  if (a.host === null) return asciiCasemap(decoded(a.mailbox).trim());
  const name = decoded(a.name).trim();
  return asciiCasemap(name || `${decoded(a.mailbox)}@${a.host}`);
}

function sentDate(k: SortKeyMessage): number {
  // RFC 5256: a message whose Date cannot be read sorts by its internal date
  return Date.parse(k.sentDate ?? k.internalDate);
}

export function sortable(m: KeyedMessage): SortableMessage & { seq: number; uid: number } {
  const k = m.keys;
  return {
    seq: m.seq,
    uid: m.uid,
    order: m.seq,
    arrival: Date.parse(k.internalDate),
    date: sentDate(k),
    size: k.size,
    subject: asciiCasemap(baseSubject(decoded(k.subject)).base),
    from: mailboxKey(k.from),
    to: mailboxKey(k.to),
    cc: mailboxKey(k.cc),
    displayFrom: displayKey(k.from),
    displayTo: displayKey(k.to),
  };
}

export function threadable(m: KeyedMessage, byUid: boolean): ThreadMessage {
  const k = m.keys;
  const subject = baseSubject(decoded(k.subject));
  const references = parseMessageIds(k.references);
  return {
    id: byUid ? m.uid : m.seq,
    order: m.seq,
    date: sentDate(k),
    subject: asciiCasemap(subject.base),
    isReplyOrForward: subject.isReplyOrForward,
    messageId: parseMessageIds(k.messageId, 1)[0] ?? null,
    // RFC 5256: without usable References, the first id of In-Reply-To is the parent
    references: references.length ? references : parseMessageIds(k.inReplyTo, 1),
    // In-Reply-To comes from the envelope, which always kept its case
    referencesFolded: references.length > 0 && k.referencesFolded === true,
  };
}
