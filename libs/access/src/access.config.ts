import type { TlsFiles } from '@mail/config';
import type { ConnectionLimits, ProxyProtocolSettings } from '@mail/limits';

export interface AccessConfig {
  host: string;
  imapPort: number;
  /** implicit TLS IMAP; off when undefined */
  imapsPort?: number;
  pop3Port: number;
  pop3sPort?: number;
  tls: { key: string; cert: string };
  /** watched for a renewed pair (watchTlsFiles) */
  tlsFiles?: TlsFiles;
  allowPlaintextAuth: boolean;
  maxAppendSize: number;
  /** bytes of recently read bodies kept in memory (CachingBlobStore); 0 or unset: none */
  bodyCacheBytes?: number;
  /** bytes (estimated) of envelopes, sizes and dates IMAP FETCH keeps (ADR 0079); unset: the server's 8 MiB, 0: none */
  envelopeCacheBytes?: number;
  /** PROXY protocol on the listeners it names, from its trusted peers only (ADR 0025) */
  proxy?: ProxyProtocolSettings;
  /** connection limits (docs/security.md); unset: the servers' defaults */
  limits?: {
    imap: ConnectionLimits;
    pop3: ConnectionLimits;
    /** IMAP and POP3: from connect to login */
    preAuthDeadlineMs: number;
    /** IMAP and POP3: commands per second per session (bursts of five times that) */
    commandsPerSecond?: number;
    /** IMAP sessions one account may hold on this process (0: no limit) */
    imapMaxPerUser?: number;
    /** IMAP autologout once logged in (RFC 3501 5.4: at least 30 minutes) */
    imapAutologoutMs?: number;
    /** how long an IMAP client may stay silent before logging in */
    imapLoginTimeoutMs?: number;
    /** POP3 autologout (RFC 1939 3: at least 10 minutes) */
    pop3AutologoutMs?: number;
  };
}

export const ACCESS_CONFIG = Symbol('ACCESS_CONFIG');
