/**
 * Which remote folders are copied, and under which local names. Pure: the remote's LIST answer and
 * the account's local mailboxes in, a plan out.
 *
 * - The remote's hierarchy delimiter ("." on Courier/Cyrus-style servers, "/" elsewhere) becomes
 *   ours ("/"); the personal namespace prefix ("INBOX." on Courier) is dropped, so "INBOX.Sent"
 *   is a top-level "Sent" as its users see it.
 * - Special-use folders (RFC 6154 attributes, or the usual names when the server has no
 *   SPECIAL-USE: Exchange's "Sent Items", "Deleted Items", "Junk E-mail", Gmail's "[Gmail]/Sent Mail")
 *   land in the account's own mailbox with that attribute (Sent, Trash...), their sub-folders under it.
 * - Virtual folders are skipped: \All (Gmail's "All Mail" holds every message again), \Flagged,
 *   \Important; \Noselect and \NonExistent entries have no messages, their children are created with
 *   their parents.
 */

export type SpecialUseAttr = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive';

export interface RemoteFolder {
  /** the path as the remote names it (what SELECT takes) */
  path: string;
  /** the remote's hierarchy delimiter; null for a flat namespace */
  delimiter: string | null;
  /** LIST attributes, e.g. \Noselect, \HasChildren, \Sent */
  flags: readonly string[];
}

export interface LocalMailbox {
  name: string;
  specialUse: string | null;
}

export interface FolderPlanEntry {
  remotePath: string;
  /** the local mailbox name ("/"-delimited) */
  localName: string;
  /** set when this folder is the remote's special-use folder of that kind */
  specialUse: SpecialUseAttr | null;
}

export interface FolderPlan {
  copy: FolderPlanEntry[];
  /** remote folders left out, and why (shown in status) */
  skipped: Array<{ remotePath: string; reason: string }>;
}

const LOCAL_DELIMITER = '/';
const SPECIAL_USES: readonly SpecialUseAttr[] = ['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive'];
const DEFAULT_LOCAL_NAME: Record<SpecialUseAttr, string> = { '\\Sent': 'Sent', '\\Drafts': 'Drafts', '\\Trash': 'Trash', '\\Junk': 'Junk', '\\Archive': 'Archive' };
const VIRTUAL: ReadonlySet<string> = new Set(['\\all', '\\flagged', '\\important']);

/** Names servers without SPECIAL-USE give these folders (lower case), from Exchange, Gmail, Outlook, Apple Mail, Thunderbird, Dovecot defaults. */
const BY_NAME: ReadonlyMap<string, SpecialUseAttr> = new Map([
  ...['sent', 'sent items', 'sent messages', 'sent mail', 'sent-mail', 'gesendete elemente', 'gesendet', 'éléments envoyés', 'elementos enviados'].map((n) => [n, '\\Sent'] as const),
  ...['drafts', 'draft', 'entwürfe', 'brouillons', 'borradores'].map((n) => [n, '\\Drafts'] as const),
  ...['trash', 'deleted items', 'deleted messages', 'bin', 'papierkorb', 'gelöschte elemente', 'corbeille', 'éléments supprimés', 'papelera'].map((n) => [n, '\\Trash'] as const),
  ...['junk', 'junk e-mail', 'junk email', 'junk mail', 'spam', 'bulk mail', 'junk-e-mail', 'courrier indésirable'].map((n) => [n, '\\Junk'] as const),
  ...['archive', 'archives', 'archiv'].map((n) => [n, '\\Archive'] as const),
]);
/** containers whose children carry Gmail's special-use names ("[Gmail]/Sent Mail") */
const GMAIL_CONTAINERS: ReadonlySet<string> = new Set(['[gmail]', '[google mail]']);

export function planFolders(remote: readonly RemoteFolder[], local: readonly LocalMailbox[], opts: { personalPrefix?: string } = {}): FolderPlan {
  const skipped: FolderPlan['skipped'] = [];
  const candidates: Array<{ folder: RemoteFolder; segments: string[]; attr: SpecialUseAttr | null; byName: SpecialUseAttr | null }> = [];
  for (const folder of remote) {
    const flags = folder.flags.map((f) => f.toLowerCase());
    if (flags.includes('\\nonexistent') || flags.includes('\\noselect')) continue;
    const virtual = flags.find((f) => VIRTUAL.has(f));
    if (virtual) {
      skipped.push({ remotePath: folder.path, reason: `virtual folder (${folder.flags.find((f) => f.toLowerCase() === virtual)}): its messages are in other folders` });
      continue;
    }
    const segments = localSegments(folder, opts.personalPrefix ?? '');
    if (!segments.length) {
      skipped.push({ remotePath: folder.path, reason: 'empty name' });
      continue;
    }
    const attr = SPECIAL_USES.find((s) => flags.includes(s.toLowerCase())) ?? null;
    candidates.push({ folder, segments, attr, byName: attr ? null : specialUseByName(segments) });
  }

  // one remote folder per kind: an attribute beats a name, the first listed breaks a tie
  const owner = new Map<SpecialUseAttr, (typeof candidates)[number]>();
  for (const c of candidates) if (c.attr && !owner.has(c.attr)) owner.set(c.attr, c);
  for (const c of candidates) if (c.byName && !owner.has(c.byName)) owner.set(c.byName, c);

  // where each special-use folder goes locally, and the remote prefix its children are found under
  const renamed: Array<{ from: string[]; to: string[] }> = [];
  const specialOf = new Map<RemoteFolder, SpecialUseAttr>();
  for (const [use, c] of owner) {
    specialOf.set(c.folder, use);
    const target = local.find((m) => m.specialUse === use)?.name ?? DEFAULT_LOCAL_NAME[use];
    renamed.push({ from: c.segments, to: target.split(LOCAL_DELIMITER) });
  }
  // the longest renamed prefix wins ("Sent Items/Old" owned by \Archive stays itself)
  renamed.sort((a, b) => b.from.length - a.from.length);

  const copy: FolderPlanEntry[] = [];
  const taken = new Set<string>();
  for (const c of candidates) {
    let segments = c.segments;
    const r = renamed.find((x) => x.from.length <= segments.length && x.from.every((s, i) => s === segments[i]));
    if (r) segments = [...r.to, ...segments.slice(r.from.length)];
    let localName = segments.join(LOCAL_DELIMITER);
    if (taken.has(localName.toLowerCase())) {
      // two remote names that only differed in characters we replace, or by case
      let n = 2;
      while (taken.has(`${localName} (${n})`.toLowerCase())) n++;
      localName = `${localName} (${n})`;
    }
    taken.add(localName.toLowerCase());
    copy.push({ remotePath: c.folder.path, localName, specialUse: specialOf.get(c.folder) ?? null });
  }
  // INBOX first, then parents before children
  copy.sort((a, b) => rank(a) - rank(b) || compare(a.localName, b.localName));
  return { copy, skipped };
}

function rank(e: FolderPlanEntry): number {
  return e.localName === 'INBOX' ? 0 : 1;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The remote path as local hierarchy levels, each one a valid local name part. */
function localSegments(folder: RemoteFolder, personalPrefix: string): string[] {
  let path = folder.path;
  if (personalPrefix && path.toUpperCase() !== 'INBOX' && path.startsWith(personalPrefix) && path.length > personalPrefix.length) {
    path = path.slice(personalPrefix.length);
  }
  const parts = folder.delimiter ? path.split(folder.delimiter) : [path];
  const segments = parts.map(cleanSegment).filter((s) => s.length > 0);
  if (segments.length && segments[0].toUpperCase() === 'INBOX') segments[0] = 'INBOX';
  return segments;
}

/** Our delimiter, LIST wildcards and control characters cannot be part of a level's name. */
function cleanSegment(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += ch === LOCAL_DELIMITER || ch === '*' || ch === '%' || c < 0x20 || c === 0x7f ? '_' : ch;
  }
  return out.trim();
}

function specialUseByName(segments: string[]): SpecialUseAttr | null {
  const last = segments[segments.length - 1].toLowerCase();
  const atTop = segments.length === 1;
  const underContainer = segments.length === 2 && (GMAIL_CONTAINERS.has(segments[0].toLowerCase()) || segments[0] === 'INBOX');
  return atTop || underContainer ? (BY_NAME.get(last) ?? null) : null;
}
