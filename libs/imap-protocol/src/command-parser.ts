import { Cursor } from './cursor.js';
import { parseDateTime } from './date-time.js';
import { ImapParseError } from './errors.js';
import { parseFetchItems } from './fetch-parser.js';
import { parseQuotaCommand, parseSort, parseThread } from './extension-parser.js';
import { parseGetMetadata, parseSetMetadata } from './metadata.js';
import { parseAclCommand } from './acl-parser.js';
import { parseNotify } from './notify.js';
import { parseSearchKeys } from './search-parser.js';
import { parseSequenceSet } from './sequence-set.js';
import { parseReturnOptions } from './search-parser.js';
import type { CatenatePart, ImapCommand, ListReturn, ListSelect, QresyncParams, SearchReturn, SequenceSet, StatusItem } from './types.js';
import { leadingTag } from './chars.js';

const NO_ARGS = new Set(['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE']);
const STATUS_ITEMS = new Set<StatusItem>(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE', 'DELETED', 'MAILBOXID']);
const SEARCH_RETURNS: ReadonlySet<SearchReturn> = new Set<SearchReturn>(['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE', 'UPDATE', 'PARTIAL']);
const UID_COMMANDS = new Set(['COPY', 'MOVE', 'FETCH', 'SEARCH', 'STORE', 'EXPUNGE', 'SORT', 'THREAD']);

function modifier(c: Cursor, name: string): number {
  c.expect('(');
  if (!c.isKeyword(name)) c.fail(`expected ${name}`);
  c.pos += name.length;
  c.sp();
  const n = c.number();
  c.expect(')');
  return n;
}

/** `(MESSAGES UNSEEN ...)`, as STATUS and LIST's RETURN (STATUS ...) take them */
function statusItems(c: Cursor): StatusItem[] {
  c.expect('(');
  const items: StatusItem[] = [];
  for (;;) {
    const item = c.atom().toUpperCase() as StatusItem;
    if (!STATUS_ITEMS.has(item)) c.fail('unknown STATUS item');
    items.push(item);
    if (c.tryChar(')')) break;
    c.sp();
  }
  return items;
}

const NO_SELECT: ListSelect = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
const MAX_LIST_PATTERNS = 50;

/** `(SUBSCRIBED RECURSIVEMATCH)`: LIST's selection options (RFC 5258 3.1, RFC 6154 5.1) */
function listSelect(c: Cursor): ListSelect {
  c.expect('(');
  const select = { ...NO_SELECT };
  while (!c.tryChar(')')) {
    if (c.buf[c.pos - 1] !== 0x28) c.sp();
    const option = c.atom().toUpperCase();
    if (option === 'SUBSCRIBED') select.subscribed = true;
    else if (option === 'REMOTE') select.remote = true;
    else if (option === 'RECURSIVEMATCH') select.recursiveMatch = true;
    else if (option === 'SPECIAL-USE') select.specialUse = true;
    else c.fail('unknown LIST selection option');
  }
  // RFC 5258 3.1: RECURSIVEMATCH alone (or with REMOTE only) is a BAD command
  if (select.recursiveMatch && !select.subscribed && !select.specialUse) c.fail('RECURSIVEMATCH needs another selection option');
  c.sp();
  return select;
}

/** `("INBOX" "Sent/%")`: several patterns (RFC 5258 3) */
function listPatterns(c: Cursor): string[] {
  c.expect('(');
  const patterns = [c.listMailbox()];
  while (!c.tryChar(')')) {
    c.sp();
    patterns.push(c.listMailbox());
    if (patterns.length > MAX_LIST_PATTERNS) c.fail('too many LIST patterns');
  }
  return patterns;
}

/**
 * RFC 7162 3.2.5: `(uidvalidity modseq [known-uids [(known-sequence-set known-uid-set)]])`, the
 * client's last known state of the mailbox.
 */
function qresyncParams(c: Cursor): QresyncParams {
  c.expect('(');
  const uidValidity = c.nzNumber();
  c.sp();
  const modseq = c.nzNumber();
  let knownUids: SequenceSet | null = null;
  let seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null = null;
  if (c.optSp()) {
    if (c.peek() !== 0x28) {
      knownUids = parseSequenceSet(c);
      if (!c.optSp()) {
        c.expect(')');
        return { uidValidity, modseq, knownUids, seqMatch };
      }
    }
    c.expect('(');
    const seqs = parseSequenceSet(c);
    c.sp();
    const uids = parseSequenceSet(c);
    c.expect(')');
    seqMatch = { seqs, uids };
  }
  c.expect(')');
  return { uidValidity, modseq, knownUids, seqMatch };
}

function body(c: Cursor, tag: string, name: string, uid: boolean): ImapCommand {
  if (NO_ARGS.has(name) && !uid) {
    c.end();
    return { tag, name } as ImapCommand;
  }
  switch (name) {
    case 'LOGIN': {
      c.sp();
      const username = c.astring();
      c.sp();
      const password = c.astring();
      c.end();
      return { tag, name, username, password };
    }
    case 'AUTHENTICATE': {
      c.sp();
      const mechanism = c.atom().toUpperCase();
      let initialResponse: string | null = null;
      if (c.optSp()) {
        if (c.tryChar('=')) initialResponse = '';
        else initialResponse = c.atom();
      }
      c.end();
      return { tag, name, mechanism, initialResponse };
    }
    case 'SELECT':
    case 'EXAMINE': {
      c.sp();
      const mailbox = c.astring();
      let condstore = false;
      let qresync: QresyncParams | null = null;
      if (c.optSp()) {
        c.expect('(');
        for (;;) {
          const param = c.atom().toUpperCase();
          if (param === 'CONDSTORE') condstore = true;
          else if (param === 'QRESYNC' && !qresync) {
            c.sp();
            qresync = qresyncParams(c);
          } else c.fail(`unsupported ${name} parameter`);
          if (c.tryChar(')')) break;
          c.sp();
        }
      }
      c.end();
      return { tag, name, mailbox, condstore, qresync };
    }
    case 'CREATE': {
      c.sp();
      const mailbox = c.astring();
      // RFC 6154 3 (CREATE-SPECIAL-USE): CREATE name (USE (\Drafts))
      let use: string[] = [];
      if (c.optSp()) {
        c.expect('(');
        if (c.atom().toUpperCase() !== 'USE') c.fail('unknown CREATE parameter');
        c.sp();
        use = c.flagList();
        c.expect(')');
      }
      c.end();
      return { tag, name, mailbox, use };
    }
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE': {
      c.sp();
      const mailbox = c.astring();
      c.end();
      return { tag, name, mailbox };
    }
    case 'RENAME': {
      c.sp();
      const mailbox = c.astring();
      c.sp();
      const newName = c.astring();
      c.end();
      return { tag, name, mailbox, newName };
    }
    case 'LIST':
    case 'LSUB': {
      c.sp();
      // RFC 5258: LIST [(selection options)] reference (pattern | (pattern ...)) [RETURN (...)]
      const select = name === 'LIST' && c.peek() === 0x28 ? listSelect(c) : { ...NO_SELECT };
      const reference = c.astring();
      c.sp();
      const patterns = name === 'LIST' && c.peek() === 0x28 ? listPatterns(c) : [c.listMailbox()];
      // return options, as LIST-STATUS (RFC 5819) uses them: RETURN (SUBSCRIBED STATUS (...))
      const returning: ListReturn = { subscribed: select.subscribed, status: null };
      if (name === 'LIST' && c.optSp()) {
        if (!c.isKeyword('RETURN')) c.fail('expected RETURN');
        c.pos += 6;
        c.sp();
        c.expect('(');
        let first = true;
        while (!c.tryChar(')')) {
          if (!first) c.sp();
          first = false;
          const option = c.atom().toUpperCase();
          if (option === 'SUBSCRIBED') returning.subscribed = true;
          else if (option === 'STATUS') {
            c.sp();
            returning.status = statusItems(c);
          } else if (option !== 'CHILDREN' && option !== 'SPECIAL-USE') c.fail('unknown LIST RETURN option');
        }
      }
      c.end();
      return { tag, name, reference, pattern: patterns[0]!, patterns, select, returning };
    }
    case 'STATUS': {
      c.sp();
      const mailbox = c.astring();
      c.sp();
      const items = statusItems(c);
      c.end();
      return { tag, name, mailbox, items };
    }
    case 'FETCH': {
      c.sp();
      const sequence = parseSequenceSet(c);
      c.sp();
      const items = parseFetchItems(c);
      // RFC 7162: (CHANGEDSINCE n) and, with QRESYNC, (CHANGEDSINCE n VANISHED), in either order
      let changedSince: number | null = null;
      let vanished = false;
      if (c.optSp()) {
        c.expect('(');
        for (;;) {
          const modifierName = c.atom().toUpperCase();
          if (modifierName === 'CHANGEDSINCE' && changedSince === null) {
            c.sp();
            changedSince = c.number();
          } else if (modifierName === 'VANISHED' && !vanished) vanished = true;
          else c.fail('unknown FETCH modifier');
          if (c.tryChar(')')) break;
          c.sp();
        }
        if (vanished && changedSince === null) c.fail('VANISHED needs CHANGEDSINCE');
      }
      c.end();
      return { tag, name, uid, sequence, items, changedSince, vanished };
    }
    case 'STORE': {
      c.sp();
      const sequence = parseSequenceSet(c);
      c.sp();
      let unchangedSince: number | null = null;
      if (c.peek() === 0x28) {
        unchangedSince = modifier(c, 'UNCHANGEDSINCE');
        c.sp();
      }
      const op = c.atom().toUpperCase();
      const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(op);
      if (!m) c.fail('expected FLAGS, +FLAGS or -FLAGS');
      c.sp();
      let flags: string[];
      if (c.peek() === 0x28) {
        flags = c.flagList();
      } else {
        flags = [c.flag()];
        while (c.optSp()) flags.push(c.flag());
      }
      c.end();
      const mode = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace';
      return { tag, name, uid, sequence, mode, silent: !!m[2], flags, unchangedSince };
    }
    case 'SEARCH': {
      c.sp();
      // RFC 4731 ESEARCH: SEARCH RETURN (MIN MAX COUNT ALL) ...; RETURN () means ALL; RFC 5182 SAVE
      const extras: { partial?: [number, number] } = {};
      const returning = parseReturnOptions(c, SEARCH_RETURNS, extras);
      let charset: string | null = null;
      if (c.isKeyword('CHARSET')) {
        c.pos += 7;
        c.sp();
        charset = c.astring().toUpperCase();
        c.sp();
      }
      const criteria = parseSearchKeys(c);
      return extras.partial ? { tag, name, uid, charset, criteria, returning, partial: extras.partial } : { tag, name, uid, charset, criteria, returning };
    }
    case 'COPY':
    case 'MOVE': {
      c.sp();
      const sequence = parseSequenceSet(c);
      c.sp();
      const mailbox = c.astring();
      c.end();
      return { tag, name, uid, sequence, mailbox };
    }
    case 'EXPUNGE': {
      if (!uid) {
        c.end();
        return { tag, name, uid, sequence: null };
      }
      c.sp();
      const sequence = parseSequenceSet(c);
      c.end();
      return { tag, name, uid: true, sequence };
    }
    case 'ENABLE': {
      const capabilities: string[] = [];
      while (c.optSp()) capabilities.push(c.atom().toUpperCase());
      if (!capabilities.length) c.fail('ENABLE needs at least one capability');
      c.end();
      return { tag, name, capabilities };
    }
    case 'ID': {
      c.sp();
      if (c.isKeyword('NIL')) {
        c.pos += 3;
        c.end();
        return { tag, name, params: null };
      }
      c.expect('(');
      const params: [string, string | null][] = [];
      if (!c.tryChar(')')) {
        for (;;) {
          const key = c.string();
          c.sp();
          params.push([key, c.nstring()]);
          if (params.length > 30) c.fail('too many ID fields');
          if (c.tryChar(')')) break;
          c.sp();
        }
      }
      c.end();
      return { tag, name, params };
    }
    case 'CANCELUPDATE': {
      const tags: string[] = [];
      while (c.optSp()) {
        tags.push(c.string());
        if (tags.length > 100) c.fail('too many CANCELUPDATE tags');
      }
      if (!tags.length) c.fail('CANCELUPDATE needs a tag');
      c.end();
      return { tag, name, tags };
    }
    case 'NOTIFY':
      return { tag, name, notify: parseNotify(c) };
    case 'COMPRESS': {
      c.sp();
      const mechanism = c.atom().toUpperCase();
      c.end();
      return { tag, name, mechanism };
    }
    case 'SORT':
      return parseSort(c, tag, uid);
    case 'THREAD':
      return parseThread(c, tag, uid);
    case 'GETQUOTA':
    case 'GETQUOTAROOT':
    case 'SETQUOTA':
      return parseQuotaCommand(c, tag, name);
    case 'GETMETADATA':
      return { tag, name, ...parseGetMetadata(c) };
    case 'SETMETADATA':
      return { tag, name, ...parseSetMetadata(c) };
    case 'SETACL':
    case 'DELETEACL':
    case 'GETACL':
    case 'LISTRIGHTS':
    case 'MYRIGHTS':
      return parseAclCommand(c, tag, name);
    case 'APPEND':
      return parseCatenate(c, tag);
    default:
      c.fail(uid ? `UID ${name.slice(0, 40)} is not a command` : `unknown command ${name.slice(0, 40)}`);
  }
}

/**
 * Parses one complete command (without its final CRLF). Throws ImapParseError carrying the tag
 * when it could be read.
 */
export function parseCommand(buf: Buffer): ImapCommand {
  const c = new Cursor(buf);
  let tag: string | null = null;
  try {
    tag = c.tag();
    c.sp();
    let name = c.atom().toUpperCase();
    let uid = false;
    if (name === 'UID') {
      c.sp();
      name = c.atom().toUpperCase();
      if (!UID_COMMANDS.has(name)) c.fail(`UID ${name.slice(0, 40)} is not a command`);
      uid = true;
    }
    return body(c, tag, name, uid);
  } catch (err) {
    if (err instanceof ImapParseError) throw err.withTag(tag ?? leadingTag(buf));
    if (err instanceof RangeError || err instanceof TypeError) throw new ImapParseError('malformed command', tag);
    throw err;
  }
}

export interface AppendPrefix {
  tag: string;
  mailbox: string;
  flags: string[];
  date: Date | null;
  /** `UTF8 (` came before the literal (RFC 6855 4): a literal8 and a closing `)` must follow */
  utf8?: boolean;
}

/**
 * Reads `tag APPEND mailbox [flags] [date-time] ` when `buf` ends exactly where the message
 * literal starts. Returns null when `buf` is not such a prefix (not an APPEND, or the literal about
 * to come is the mailbox name itself); throws ImapParseError for an APPEND that is malformed.
 */
export function parseAppendPrefix(buf: Buffer): AppendPrefix | null {
  const c = new Cursor(buf);
  let tag: string | null = null;
  try {
    tag = c.tag();
    c.sp();
    if (!c.isKeyword('APPEND')) return null;
    c.pos += 6;
    c.sp();
    if (c.eof()) return null;
    const mailbox = c.astring();
    c.sp();
    const start = c.pos;
    appendOptions(c);
    // CATENATE (RFC 4469): the literals are TEXT parts of one command, read as a command's literals
    if (c.isKeyword('CATENATE')) return null;
    c.pos = start;
    return { tag, mailbox, ...appendMessageArgs(c) };
  } catch (err) {
    if (err instanceof ImapParseError) throw err.withTag(tag);
    throw err;
  }
}

/** `[flag-list SP] [date-time SP] ["UTF8" SP "("]` before a message literal of APPEND */
function appendMessageArgs(c: Cursor): { flags: string[]; date: Date | null; utf8?: boolean } {
  const { flags, date } = appendOptions(c);
  if (c.isKeyword('UTF8')) {
    // RFC 6855 4: append-data =/ "UTF8" SP "(" literal8 ")"
    c.pos += 4;
    c.sp();
    if (c.peek() !== 0x28) c.fail('UTF8 must be followed by (');
    c.pos++;
    c.end();
    return { flags, date, utf8: true };
  }
  c.end();
  return { flags, date };
}

/** `[flag-list SP] [date-time SP]`, what may stand before a message (literal, UTF8 or CATENATE) */
function appendOptions(c: Cursor): { flags: string[]; date: Date | null } {
  let flags: string[] = [];
  let date: Date | null = null;
  if (c.peek() === 0x28) {
    flags = c.flagList();
    c.sp();
  }
  if (c.peek() === 0x22) {
    const text = c.string();
    date = parseDateTime(text);
    if (!date) c.fail('invalid APPEND date');
    c.sp();
  }
  return { flags, date };
}

const MAX_CATENATE_PARTS = 100;

/**
 * `APPEND mailbox [flags] [date] CATENATE (part...)` with the whole command at hand (RFC 4469 5):
 * `TEXT literal` / `URL astring` parts. One message: a MULTIAPPEND of CATENATEs is refused.
 */
function parseCatenate(c: Cursor, tag: string): ImapCommand {
  c.sp();
  const mailbox = c.astring();
  c.sp();
  const { flags, date } = appendOptions(c);
  if (!c.isKeyword('CATENATE')) c.fail('APPEND needs a message literal');
  c.pos += 8;
  c.sp();
  c.expect('(');
  const parts: CatenatePart[] = [];
  for (;;) {
    const kind = c.atom().toUpperCase();
    c.sp();
    if (kind === 'TEXT') {
      if (c.peek() !== 0x7b) c.fail('CATENATE TEXT takes a literal');
      parts.push({ kind: 'text', data: c.literalBytes() });
    } else if (kind === 'URL') {
      parts.push({ kind: 'url', url: c.astring() });
    } else {
      c.fail('CATENATE parts are TEXT or URL');
    }
    if (parts.length > MAX_CATENATE_PARTS) c.fail('too many CATENATE parts');
    if (c.tryChar(')')) break;
    c.sp();
  }
  if (!c.eof()) c.fail('one message per CATENATE APPEND');
  return { tag, name: 'APPEND', mailbox, flags, date, parts };
}

/**
 * What comes between two messages of a MULTIAPPEND (RFC 3502): ` [flag-list SP] [date-time SP]`,
 * up to where the next message literal starts. Throws ImapParseError when it is not that.
 */
export function parseAppendContinuation(buf: Buffer): { flags: string[]; date: Date | null; utf8?: boolean } {
  const c = new Cursor(buf);
  c.sp();
  return appendMessageArgs(c);
}
