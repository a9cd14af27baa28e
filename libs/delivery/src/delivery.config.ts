import type { SrsOptions } from '@mail/srs';
import type { Opener } from './dkim/outbound-dkim-signer.js';

export interface DeliveryConfig {
  /** concurrent worker loops in this replica */
  workers: number;
  /**
   * how long a lease on queue rows lasts before another worker may take them over; the replica's
   * lease keeper renews every lease it holds (hand-off and work in hand) every `leaseRenewMs`, so a
   * dead replica's rows are taken over about one lease after it died (ADR 0036)
   */
  leaseMs: number;
  /** how often the lease keeper renews (default a third of `leaseMs`) */
  leaseRenewMs?: number;
  /** after this long in the queue a temporary failure becomes a bounce */
  expiryHours: number;
  /** our name: EHLO, Reporting-MTA of DSNs, MAILER-DAEMON's domain */
  hostname: string;
  /** smart host `host[:port]` for all remote mail; without it, mail goes to each domain's MX */
  relayHost?: string;
  /** port of remote MXs (25), and of the relay host when it names none */
  outboundPort: number;
  /** how often an idle worker looks for due work (default 500 ms); enqueues in this replica wake it at once */
  pollIntervalMs?: number;
  /** how long a woken worker lets enqueues gather before it claims them together (default 50 ms; see QueueSignal) */
  gatherMs?: number;
  /** delays between attempts in ms; the last one repeats (default 1m, 5m, 15m, 1h, 4h) */
  retrySchedule?: number[];
  /** how long a directory answer for an address is reused (default 30 s; 0 asks every time) */
  recipientCacheTtlMs?: number;
  /** recipients this replica may hold in memory for its own workers after enqueueing them (default 1,000; 0 turns the hand-off off). See handoff.ts */
  handoffRecipients?: number;
  /** recipients claimed per worker round (default 50) */
  batchSize?: number;
  /** how long a finished message stays in the queue for tracing, from its arrival (default 168 h) */
  retentionHours?: number;
  /** how often the retention sweep runs (default 10 min; 0 turns it off) */
  retentionSweepIntervalMs?: number;
  /** outbound SMTP timeouts in ms (default 30 s to connect, 5 min idle) */
  smtpTimeouts?: { connectMs?: number; socketMs?: number };
  /** DNS servers for every lookup (`DNS_SERVERS`); empty: the system's resolvers */
  dnsServers?: string[];
  /** MX lookup, injectable because the resolver may have no network (default: `dnsServers`) */
  resolveMx?: (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;
  /** a delay notice (RFC 3464, Action: delayed) once a recipient has waited this long (default 4 h; 0: never) */
  delayNoticeHours?: number;
  /** RET=FULL returns messages up to this size whole; larger ones their headers (default 10 MiB) */
  returnFullMaxBytes?: number;
  /** concurrent deliveries to one recipient domain from this replica (default 10; 0: no limit) */
  perDomainConcurrency?: number;
  /** MTA-STS policies of recipient domains fetched and enforced (default on; ADR 0018) */
  mtaSts?: boolean;
  /** port of the MTA-STS policy hosts (443; tests serve policies elsewhere) */
  mtaStsPort?: number;
  /** PEM certificates trusted besides the system roots for MTA-STS (policy hosts and MX certificates) and outbound connectors' validation */
  extraCa?: string[];
  /**
   * TLS-RPT aggregate reports (RFC 8460) to the `rua` of each destination's `_smtp._tls` record;
   * false: off. `periodSeconds`: the reporting window (a UTC day by default).
   */
  tlsReports?: { periodSeconds?: number; organization?: string } | false;
  /** Sender Rewriting Scheme for mail leaving with a sender of a domain not hosted here (forwarding, ADR 0041); unset: off */
  srs?: SrsOptions;
  /** opens the DKIM private keys auth sealed (@mail/secrets' SecretBox); without it, domains with keys defer */
  secrets?: Opener;
  /** how long a domain's DKIM signing keys are reused (default 60 s; a key change empties the cache at once) */
  dkimKeyCacheTtlMs?: number;
}

export const DEFAULT_RETRY_SCHEDULE = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 4 * 60 * 60_000];

export const DELIVERY_CONFIG = Symbol('DELIVERY_CONFIG');
/** the delivery's cache of directory answers (a CachedRequester of ResolveRecipient) */
export const RECIPIENT_CACHE = Symbol('RECIPIENT_CACHE');
/** the delivery's cache of DKIM signing keys (a CachedRequester of GetDkimSigningKeys) */
export const DKIM_KEY_CACHE = Symbol('DKIM_KEY_CACHE');
