/** Who logged in. */
export interface Pop3Identity {
  accountId: string;
  address: string;
}

/** One message of a maildrop, as POP3 numbers it (message number = index + 1). */
export interface Pop3MessageInfo {
  uid: number;
  /** octets of the stored message (CRLF line ends), what LIST and STAT report */
  size: number;
  blobKey: string;
  /** stable across sessions and unique within the maildrop (RFC 1939 §7: 1-70 chars in 0x21-0x7E) */
  uidl: string;
}

/** A snapshot of INBOX taken at login; POP3 never sees messages that arrive later in the session. */
export interface Pop3Maildrop {
  /** names the exact mailbox the uids belong to, so a recreated INBOX cannot lose the wrong messages */
  mailboxId: string;
  messages: Pop3MessageInfo[];
}

/** What the POP3 server needs from the rest of the platform. */
export abstract class Pop3Backend {
  /** null for wrong credentials (also unknown, locked or disabled accounts: they look alike to clients) */
  abstract verifyLogin(username: string, password: string, remoteAddress?: string): Promise<Pop3Identity | null>;
  /** INBOX messages in uid order */
  abstract openMaildrop(accountId: string): Promise<Pop3Maildrop>;
  /** removes exactly these uids (the UPDATE state after QUIT) */
  abstract deleteMessages(accountId: string, mailboxId: string, uids: number[]): Promise<void>;
}
