import type { SrsOptions } from '@mail/srs';
import type { TlsFiles } from '@mail/config';
import type { DnsResolver } from '@mail/dns';

export type { DnsResolver };
import type { NetworkList, ProxyProtocolSettings } from '@mail/limits';
import type { SmtpRates } from './smtp-connection-guard.js';


export interface SmtpInConfig {
  /** address every listener binds to */
  host: string;
  /** MX listener (25 in production; 0 picks a free port) */
  mxPort: number;
  /** submission with STARTTLS (587; 0 picks a free port) */
  submissionPort: number;
  /** submission over implicit TLS (465); undefined leaves it off, 0 picks a free port (SUBMISSIONS_PORT unset or 0 leaves it off) */
  submissionsPort?: number;
  /** our name in the greeting and in Received headers */
  hostname: string;
  /** where `RCPT TO:<postmaster>` without a domain goes (default postmaster@<hostname>) */
  postmaster?: string;
  tls: { key: string; cert: string };
  /** watched for a renewed pair (watchTlsFiles) */
  tlsFiles?: TlsFiles;
  /**
   * How long an MX MAIL FROM waits for the replica's first connector snapshot before answering
   * `451 4.3.0` (default 5 s): until then a partner connector's TLS or IP rule would not be applied.
   */
  connectorsWaitMs?: number;
  /** SRS (ADR 0041): RCPT to one of our rewritten senders (a bounce to forwarded mail) goes back to the original; unset: off */
  srs?: SrsOptions;
  /** PEM file of the CAs a client certificate must chain to (inbound connectors' tlsSenderCertificateName); default: the system CAs */
  tlsClientCaFile?: string;
  /** allow AUTH before STARTTLS on submission (development only) */
  allowPlaintextAuth: boolean;
  maxMessageSize: number;
  maxRecipients: number;
  /** per listener */
  maxConnections: number;
  /** DNS servers for every lookup (`DNS_SERVERS`); empty: the system's resolvers */
  dnsServers?: string[];
  /**
   * SPF, DKIM, ARC and DMARC of mail from the internet (MX, default on); the DNS resolver is
   * injectable because it may have no network
   */
  inboundAuth?: {
    enabled?: boolean;
    resolver?: DnsResolver;
    /** per DNS lookup (default 2 s) */
    timeoutMs?: number;
    /** all the checks' DNS work once the body is in (default 10 s) */
    verifyTimeoutMs?: number;
    /** reuse of DNS answers (default 60 s; 0: none) */
    cacheTtlMs?: number;
    /** bodies up to this size are held in memory while verified, larger ones spooled to the blob store (default 256 KiB) */
    holdBytes?: number;
    bimi?: boolean;
  };
  /** per-client connection limit and the deadline to reach MAIL FROM (docs/security.md) */
  limits?: {
    /** connections per client IPv4 address or IPv6 /64, per listener (0: none) */
    maxPerClient: number;
    exempt?: NetworkList;
    /** PROCESS_MAX_CONNECTIONS (0: automatic) */
    processMax?: number;
    /** default 5 minutes (RFC 5321 4.5.3.2.7) */
    preMailDeadlineMs?: number;
    /** per-client message and recipient rates and failed RCPTs per connection (exempt networks are not held to them) */
    rates?: SmtpRates;
  };
  /** PROXY protocol on the listeners it names, from its trusted peers only (ADR 0025) */
  proxy?: ProxyProtocolSettings;
  /** how long shutdown waits for open sessions before closing them (default 10 s) */
  closeTimeoutMs?: number;
  /** how long a RCPT answer of the directory is reused (default 30 s; 0 asks every time) */
  recipientCacheTtlMs?: number;
  /** how long a DATA waits for the queue to commit before answering 451 (default 30 s) */
  enqueueTimeoutMs?: number;
}

export const SMTP_IN_CONFIG = Symbol('SMTP_IN_CONFIG');
