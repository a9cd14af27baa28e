export interface CapabilityState {
  authenticated: boolean;
  secure: boolean;
  tlsAvailable: boolean;
  allowPlaintextAuth: boolean;
  maxAppendSize: number;
}

const BASE = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'IDLE', 'UIDPLUS', 'MOVE', 'ENABLE', 'NAMESPACE', 'ID', 'UNSELECT', 'CHILDREN', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'STATUS=SIZE', 'CONDSTORE', 'ESEARCH', 'LIST-STATUS', 'SORT', 'SORT=DISPLAY', 'ESORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE', 'LIST-EXTENDED', 'MULTIAPPEND', 'BINARY'];
/**
 * Extensions of the per-user state family (issue 14): QRESYNC (RFC 7162), METADATA (RFC 5464,
 * server and mailbox annotations); a line of their own so that additions here and to BASE do not
 * collide.
 */
const STATE_EXTENSIONS = ['QRESYNC', 'METADATA'];
/**
 * IMAP4rev2 (RFC 9051) beside IMAP4rev1, and what it made mandatory beyond BASE (issue 14, ADR 0046,
 * ADR 0055): clients that see it (imapflow does) send ENABLE IMAP4rev2. UTF8=ACCEPT (RFC 6855) is
 * rev2's UTF-8 for IMAP4rev1 clients, with APPEND's `UTF8 (~{n})` (ADR 0055).
 */
const REV2_EXTENSIONS = ['IMAP4rev2', 'SEARCHRES', 'UTF8=ACCEPT'];
/** Object identifiers and save dates (ADR 0056): RFC 8474 OBJECTID, RFC 8514 SAVEDATE. */
const OBJECT_EXTENSIONS = ['OBJECTID', 'SAVEDATE'];
/** RFC 4469 APPEND with CATENATE (ADR 0056), its TEXT parts bounded by the command size limit */
const CATENATE_EXTENSIONS = ['CATENATE'];
/** RFC 5465 NOTIFY (ADR 0064), RFC 5267 contexts (ADR 0064, CONTEXT=SORT ADR 0072) */
const NOTIFY_EXTENSIONS = ['NOTIFY', 'CONTEXT=SEARCH', 'CONTEXT=SORT'];
/** Shared mailboxes (ADR 0044): RFC 4314 ACL with the rights t, e, x and k of RIGHTS=texk. */
const SHARING_EXTENSIONS = ['ACL', 'RIGHTS=texk'];

/** Whether credentials may be sent on this connection. */
export function authAllowed(s: Pick<CapabilityState, 'secure' | 'allowPlaintextAuth'>): boolean {
  return s.secure || s.allowPlaintextAuth;
}

/** What this connection can do now (RFC 3501 6.1.1; STARTTLS and AUTH= only before login). */
export function capabilities(s: CapabilityState): string {
  const caps = [...BASE, ...STATE_EXTENSIONS, ...REV2_EXTENSIONS, ...SHARING_EXTENSIONS, ...OBJECT_EXTENSIONS, ...CATENATE_EXTENSIONS, ...NOTIFY_EXTENSIONS, `APPENDLIMIT=${s.maxAppendSize}`];
  if (!s.authenticated) {
    if (!s.secure && s.tlsAvailable) caps.push('STARTTLS');
    if (authAllowed(s)) caps.push('AUTH=PLAIN');
    else caps.push('LOGINDISABLED');
  } else {
    // RFC 4978: offered once logged in, where it can be used
    caps.push('COMPRESS=DEFLATE');
  }
  return caps.join(' ');
}
