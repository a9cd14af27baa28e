import type { NotifyArgs } from './notify.js';
import type { RightsModification } from './acl-rights.js';
import type { SortCriterion } from './sort.js';

/** `*` is the largest number in use (sequence number or UID, depending on the command). */
export type SeqNumber = number | '*';
export interface SeqRange {
  start: SeqNumber;
  end: SeqNumber;
}
/**
 * A parsed sequence set, ranges as written (not sorted, not merged). `saved`: the set was `$`
 * (RFC 5182 SEARCHRES), the messages the last `SEARCH RETURN (SAVE)` found; it has no ranges of
 * its own, the session's saved result stands for it.
 */
export type SequenceSet = SeqRange[] & { saved?: true };

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
export interface Section {
  /** part path, e.g. [1, 2] for "1.2"; empty for the whole message */
  part: number[];
  text: SectionText | null;
  /** field names for HEADER.FIELDS (NOT), as the client wrote them */
  fields: string[];
}

export type SimpleFetchItem =
  | 'FLAGS'
  | 'UID'
  | 'RFC822.SIZE'
  | 'INTERNALDATE'
  | 'ENVELOPE'
  | 'BODYSTRUCTURE'
  | 'BODY'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT'
  | 'MODSEQ'
  /** RFC 8474 OBJECTID */
  | 'EMAILID'
  | 'THREADID'
  /** RFC 8514 SAVEDATE */
  | 'SAVEDATE';

export type FetchItem =
  | { kind: SimpleFetchItem }
  /**
   * `binary`: RFC 3516 BINARY[section] ('content', the part decoded from its transfer encoding) or
   * BINARY.SIZE[section] ('size'); the section is then part numbers only
   */
  | { kind: 'BODY[]'; peek: boolean; section: Section; partial: { start: number; length: number } | null; binary?: 'content' | 'size' };

export type SearchKey =
  | { op: 'all' }
  | { op: 'none' }
  /** \Recent for this session (RFC 3501 RECENT; NEW and OLD are built from it) */
  | { op: 'recent' }
  | { op: 'and'; of: SearchKey[] }
  | { op: 'or'; of: [SearchKey, SearchKey] }
  | { op: 'not'; of: SearchKey }
  | { op: 'seq'; set: SequenceSet }
  | { op: 'uid'; set: SequenceSet }
  | { op: 'flag'; flag: string; set: boolean }
  | { op: 'header'; field: string; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  /** `savedate`: RFC 8514 SAVEDBEFORE/SAVEDON/SAVEDSINCE */
  | { op: 'internaldate' | 'sentdate' | 'savedate'; cmp: 'before' | 'on' | 'since'; date: string }
  | { op: 'size'; cmp: 'larger' | 'smaller'; value: number }
  | { op: 'modseq'; value: number }
  /** RFC 8474 EMAILID / THREADID: an object identifier as the client wrote it */
  | { op: 'emailid'; id: string }
  | { op: 'threadid'; id: string };

/** LIST's RETURN options (RFC 5258 SUBSCRIBED, RFC 5819 STATUS); CHILDREN and SPECIAL-USE are always returned */
export interface ListReturn {
  subscribed: boolean;
  status: StatusItem[] | null;
}

/** LIST's selection options (RFC 5258 3.1; SPECIAL-USE of RFC 6154 5.1); all false for a plain LIST */
export interface ListSelect {
  subscribed: boolean;
  remote: boolean;
  recursiveMatch: boolean;
  specialUse: boolean;
}

/** RFC 4731 ESEARCH return options, and RFC 5182's SAVE */
/** RFC 4731 ESEARCH, RFC 5182 SAVE, RFC 5267 CONTEXT=SEARCH's UPDATE and PARTIAL (PARTIAL's range in the command's `partial`) */
export type SearchReturn = 'MIN' | 'MAX' | 'COUNT' | 'ALL' | 'SAVE' | 'UPDATE' | 'PARTIAL';

export type StatusItem = 'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'HIGHESTMODSEQ' | 'SIZE' | 'DELETED' | 'MAILBOXID';

/** SELECT/EXAMINE's QRESYNC parameter (RFC 7162 3.2.5): what the client last knew of the mailbox. */
export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  /** the UIDs the client knows; null: all up to the highest */
  knownUids: SequenceSet | null;
  /** message sequence numbers and the UIDs they had for the client, to narrow down what vanished */
  seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null;
}

interface Tagged {
  tag: string;
}

export type ImapCommand =
  | (Tagged & { name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'IDLE' | 'NAMESPACE' })
  | (Tagged & { name: 'EXPUNGE'; uid: boolean; sequence: SequenceSet | null })
  | (Tagged & { name: 'LOGIN'; username: string; password: string })
  | (Tagged & { name: 'AUTHENTICATE'; mechanism: string; initialResponse: string | null })
  | (Tagged & { name: 'SELECT' | 'EXAMINE'; mailbox: string; condstore: boolean; qresync: QresyncParams | null })
  | (Tagged & { name: 'CREATE'; mailbox: string; use: string[] })
  | (Tagged & { name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; mailbox: string })
  | (Tagged & { name: 'RENAME'; mailbox: string; newName: string })
  /** `pattern` is the first of `patterns` (RFC 5258 allows several) */
  | (Tagged & { name: 'LIST' | 'LSUB'; reference: string; pattern: string; patterns: string[]; select: ListSelect; returning: ListReturn })
  | (Tagged & { name: 'STATUS'; mailbox: string; items: StatusItem[] })
  | (Tagged & { name: 'FETCH'; uid: boolean; sequence: SequenceSet; items: FetchItem[]; changedSince: number | null; vanished: boolean })
  | (Tagged & {
      name: 'STORE';
      uid: boolean;
      sequence: SequenceSet;
      mode: 'add' | 'remove' | 'replace';
      silent: boolean;
      flags: string[];
      unchangedSince: number | null;
    })
  /** `returning`: RFC 4731 RETURN options (answered with ESEARCH), null for a plain SEARCH */
  | (Tagged & { name: 'SEARCH'; uid: boolean; charset: string | null; criteria: SearchKey; returning: SearchReturn[] | null; partial?: [number, number] })
  | (Tagged & { name: 'COPY' | 'MOVE'; uid: boolean; sequence: SequenceSet; mailbox: string })
  /** RFC 5256 SORT (and RFC 5957's DISPLAYFROM/DISPLAYTO keys) */
  /** `returning`: RFC 5267 ESORT RETURN options (answered with ESEARCH), null for a plain SORT */
  | (Tagged & { name: 'SORT'; uid: boolean; criteria: SortCriterion[]; charset: string; search: SearchKey; returning: SearchReturn[] | null; partial?: [number, number] })
  /** RFC 5267 4.3: ends the UPDATE contexts of these SEARCH/SORT tags */
  | (Tagged & { name: 'CANCELUPDATE'; tags: string[] })
  | (Tagged & { name: 'THREAD'; uid: boolean; algorithm: 'ORDEREDSUBJECT' | 'REFERENCES'; charset: string; search: SearchKey })
  /** RFC 9208 QUOTA */
  | (Tagged & { name: 'GETQUOTA'; root: string })
  | (Tagged & { name: 'GETQUOTAROOT'; mailbox: string })
  | (Tagged & { name: 'SETQUOTA'; root: string; limits: [string, number][] })
  /** RFC 4978 */
  | (Tagged & { name: 'COMPRESS'; mechanism: string })
  | (Tagged & { name: 'ENABLE'; capabilities: string[] })
  /** RFC 5465 NOTIFY */
  | (Tagged & { name: 'NOTIFY'; notify: NotifyArgs })
  /** RFC 5464 METADATA; mailbox "" names the server */
  | (Tagged & { name: 'GETMETADATA'; options: { maxSize: number | null; depth: '0' | '1' | 'infinity' }; mailbox: string; entries: string[] })
  | (Tagged & { name: 'SETMETADATA'; mailbox: string; values: Array<[string, string | null]> })
  | (Tagged & { name: 'ID'; params: [string, string | null][] | null })
  /** RFC 4314 ACL; identifiers and rights as the client wrote them, rights already checked */
  | (Tagged & { name: 'SETACL'; mailbox: string; identifier: string; rights: RightsModification })
  | (Tagged & { name: 'DELETEACL' | 'LISTRIGHTS'; mailbox: string; identifier: string })
  | (Tagged & { name: 'GETACL' | 'MYRIGHTS'; mailbox: string })
  /**
   * APPEND with CATENATE (RFC 4469): one message made of its parts, which arrived as a whole
   * command (its TEXT literals within the command size limit); a plain APPEND streams (AppendHeader)
   */
  | (Tagged & { name: 'APPEND'; mailbox: string; flags: string[]; date: Date | null; parts: CatenatePart[] });

/** A part of a CATENATE APPEND (RFC 4469): literal text, or an IMAP URL (RFC 5092) as the client wrote it. */
export type CatenatePart = { kind: 'text'; data: Buffer } | { kind: 'url'; url: string };

export type ImapCommandName = ImapCommand['name'] | 'APPEND';

/** The metadata of an APPEND; the message itself arrives as a streamed literal. */
export interface AppendHeader {
  tag: string;
  mailbox: string;
  flags: string[];
  /** the INTERNALDATE the client asked for */
  date: Date | null;
  size: number;
  /** `{n+}`: the client sends the literal without waiting for a continuation */
  nonSync: boolean;
  /** `~{n}`: a literal8 (RFC 3516 BINARY), whose bytes may include NUL */
  binary?: boolean;
  /** `UTF8 (~{n})` (RFC 6855 4): the message may have UTF-8 header fields */
  utf8?: boolean;
  /** a further message of the same APPEND (RFC 3502 MULTIAPPEND) */
  continued?: boolean;
}
