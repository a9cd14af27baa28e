import { z } from 'zod';

export const Port = z.coerce.number().int().min(0).max(65535);
export const Bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Variables every service reads. Set DATABASE_URL/NATS_URL/S3_ENDPOINT for the distributed mode. */
export const CommonEnv = z.object({
  NODE_ENV: z.string().default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),
  BIND_HOST: z.string().default('127.0.0.1'),
  /**
   * address of the admin API and of every service's health/readiness/metrics listener (HTTP_PORT):
   * kept apart from BIND_HOST so that opening SMTP/IMAP/POP3 to the world never opens these
   */
  ADMIN_BIND_HOST: z.string().default('127.0.0.1'),
  /** health, readiness and metrics */
  HTTP_PORT: Port.default(9090),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** embedded mode: PGlite runs on a worker thread of its own, in parallel with the services' JavaScript (ADR 0082) */
  EMBEDDED_PGLITE_THREAD: Bool.default(true),
  NATS_URL: z.string().optional(),
  /** subject prefix: isolates test runs (and platforms) sharing one NATS */
  BUS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]*$/).optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_ACCESS_KEY: z.string().optional(),
  S3_SECRET_KEY: z.string().optional(),
  S3_BUCKET: z.string().default('mail'),
  S3_REGION: z.string().default('us-east-1'),
  /**
   * distributed mode: message bodies up to this many bytes are kept in PostgreSQL (schema `blob`),
   * larger ones in S3 (ADR 0052); every service with a blob store then needs DATABASE_URL.
   * 0: everything to S3 (bodies kept in PostgreSQL earlier are still read from there)
   */
  BLOB_INLINE_MAX_BYTES: z.coerce.number().int().min(0).max(1024 * 1024).default(64 * 1024),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** the name this server gives itself in banners and Received: headers */
  HOSTNAME_FQDN: z.string().default('localhost'),
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  /** how often TLS_CERT_FILE/TLS_KEY_FILE are checked for a renewed pair (no restart needed) */
  TLS_RELOAD_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  ALLOW_PLAINTEXT_AUTH: Bool.default(false),
  /**
   * how long smtp-in and delivery reuse a directory answer for an address (0: ask every time); a
   * change made through the admin API reaches them at once by event, this only bounds a lost one
   */
  RECIPIENT_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  /**
   * DNS servers for every lookup (SPF, DKIM, DMARC, MX, MTA-STS): `ip`, `ip:port` or `[ipv6]:port`,
   * comma-separated; unset means the system's resolvers. Tests point it at a server on loopback.
   */
  DNS_SERVERS: z.string().optional(),
  /** key sealing stored secrets (32 bytes, base64 or hex); the embedded mode generates one in DATA_DIR */
  SECRETS_KEY: z.string().optional(),
  /** older keys, comma-separated, still accepted to open secrets sealed before a rotation */
  SECRETS_PREVIOUS_KEYS: z.string().optional(),
  /**
   * Sender Rewriting Scheme for mail forwarded to other domains (ADR 0041): `on` (default) when a
   * secrets key is there to derive its HMAC key from (SECRETS_KEY; every smtp-in and delivery
   * replica needs the same), `off` to forward with the original envelope sender
   */
  SRS: z.enum(['on', 'off']).default('on'),
  /** the domain SRS addresses are in (its MX must point at this platform); default HOSTNAME_FQDN */
  SRS_DOMAIN: z.string().optional(),
  /** days a rewritten address is honoured for bounces coming back */
  SRS_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(1000).default(21),
  /** drain time on SIGTERM before connections are cut */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** client connections of the whole process (0: automatic, below the descriptor limit; docs/security.md) */
  PROCESS_MAX_CONNECTIONS: z.coerce.number().int().min(0).default(0),
  /** networks the per-client connection, rate and login limits do not apply to (comma-separated; `none`: no exemption) */
  LIMIT_EXEMPT_NETWORKS: z
    .string()
    .default('127.0.0.0/8,::1/128')
    .transform((v) => (v.trim().toLowerCase() === 'none' ? '' : v)),
  /**
   * listeners that expect a PROXY protocol header (v1 or v2) from PROXY_TRUSTED_CIDRS, comma-separated:
   * mx, submission, submissions, imap, imaps, pop3, pop3s, or `all`; empty: PROXY off (ADR 0025)
   */
  PROXY_PROTOCOL_LISTENERS: z.string().default(''),
  /** the load balancers (comma-separated addresses/CIDRs): only they may send a PROXY header, and on those listeners they must */
  PROXY_TRUSTED_CIDRS: z.string().default(''),
  /** how long a trusted peer has to send its PROXY header before its connection is closed */
  PROXY_HEADER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
});
export type CommonEnv = z.infer<typeof CommonEnv>;

export const SmtpEnv = z.object({
  SMTP_PORT: Port.default(2525),
  SUBMISSION_PORT: Port.default(2587),
  /** implicit TLS submission (465); 0 disables it */
  SUBMISSIONS_PORT: Port.default(0),
  /** 150 MB, the limit Exchange Online documents (and the default of a connector's maxMessageSize) */
  MAX_MESSAGE_SIZE: z.coerce.number().int().min(1024).default(150 * 1024 * 1024),
  /** CAs (PEM) a client certificate must chain to for an inbound connector's tlsSenderCertificateName; default: the system CAs */
  TLS_CLIENT_CA_FILE: z.string().optional(),
  MAX_RECIPIENTS: z.coerce.number().int().min(1).max(1000).default(100),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1000),
  /** where `RCPT TO:<postmaster>` without a domain is delivered (RFC 5321 §4.5.1); default postmaster@HOSTNAME_FQDN */
  POSTMASTER_ADDRESS: z.string().email().optional(),
  /** per client IPv4 address or IPv6 /64, per listener (0: no limit) */
  SMTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(20),
  /** from connect to the first MAIL FROM, however slowly the client sends (RFC 5321 4.5.3.2.7: 5 minutes) */
  SMTP_PRE_MAIL_DEADLINE_MS: z.coerce.number().int().min(1000).default(300_000),
  /** transactions per client IPv4 address or IPv6 /64 per minute, per listener (0: no limit) */
  SMTP_MAX_MESSAGES_PER_MINUTE_PER_IP: z.coerce.number().int().min(0).default(120),
  /** RCPT TO per client per minute, per listener (0: no limit) */
  SMTP_MAX_RECIPIENTS_PER_MINUTE_PER_IP: z.coerce.number().int().min(0).default(600),
  /** RCPTs refused with 5xx in one connection before it is closed with 421 (0: no limit) */
  SMTP_MAX_FAILED_RECIPIENTS: z.coerce.number().int().min(0).default(20),
});

export const AccessEnv = z.object({
  IMAP_PORT: Port.default(2143),
  /** implicit TLS (993); 0 disables it */
  IMAPS_PORT: Port.default(0),
  POP3_PORT: Port.default(2110),
  POP3S_PORT: Port.default(0),
  MAX_APPEND_SIZE: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
  /** message bodies recently read, kept in memory per access process (MiB; 0 turns the cache off) */
  ACCESS_BODY_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(64),
  /** envelopes, sizes and internal dates FETCH showed, kept for every session of the process (ADR 0079) */
  ACCESS_ENVELOPE_CACHE_MB: z.coerce.number().int().min(0).max(4_096).default(8),
  IMAP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(10_000),
  /** per client IPv4 address or IPv6 /64 (0: no limit) */
  IMAP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(50),
  POP3_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(5_000),
  POP3_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(20),
  /** IMAP sessions one account may hold on one access process (0: no limit); POP3's maildrop lock allows one */
  IMAP_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(0).default(50),
  /** IMAP autologout once logged in (RFC 3501 5.4 asks for at least 30 minutes) */
  IMAP_AUTOLOGOUT_MS: z.coerce.number().int().min(1000).default(30 * 60_000),
  /** how long an IMAP client may stay silent before it logs in */
  IMAP_LOGIN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** POP3 autologout (RFC 1939 3 asks for at least 10 minutes) */
  POP3_AUTOLOGOUT_MS: z.coerce.number().int().min(1000).default(10 * 60_000),
  /** IMAP and POP3: from connect to login, however slowly the client sends */
  PREAUTH_DEADLINE_MS: z.coerce.number().int().min(1000).default(60_000),
  /** IMAP and POP3: commands per second per session (bursts of five times that); faster ones wait (0: no pacing) */
  COMMANDS_PER_SECOND: z.coerce.number().int().min(0).default(100),
  /**
   * IMAP reads (SELECT, FETCH, SEARCH, STATUS, LIST...) answered in this process by the store's read
   * model on the database ('direct', when DATABASE_URL is set), or by the store over the bus ('bus');
   * without a database they always go over the bus (ADR 0057)
   */
  ACCESS_STORE_READS: z.enum(['direct', 'bus']).default('direct'),
  /**
   * IMAP APPEND and MULTIAPPEND (ADR 0063), STORE and EXPUNGE (ADR 0074) run in this process on the
   * database with the store's code ('direct', when the reads are direct too) or by the store over the bus ('bus')
   */
  ACCESS_STORE_APPENDS: z.enum(['direct', 'bus']).default('direct'),
});

export const AdminEnv = z.object({
  ADMIN_PORT: Port.default(8080),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  /** message trace is kept this many days (admin-api records it: ADR 0013) */
  TRACE_RETENTION_DAYS: z.coerce.number().min(0.001).max(3650).default(90),
});

/** Login throttling of the directory (docs/security.md, ADR 0010). */
export const AuthEnv = z.object({
  /** wait before answering a failed login */
  AUTH_LOGIN_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  /** attempts per (login name, client) per window before the pair is locked */
  AUTH_LOCKOUT_MAX_FAILURES: z.coerce.number().int().min(1).default(10),
  AUTH_LOCKOUT_WINDOW_MS: z.coerce.number().int().min(1000).default(15 * 60_000),
  /** failed attempts from one client IPv4 address or IPv6 /64 per window before it is refused without a hash */
  AUTH_MAX_FAILURES_PER_CLIENT: z.coerce.number().int().min(1).default(300),
  /** failed attempts on one login name from anywhere per window before it is locked */
  AUTH_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(100),
  /** wait before the hash by the client's failures in the window (Dovecot's auth penalty); `0`: none */
  AUTH_PENALTY_MS: z
    .string()
    .default('0,2000,6000,10000,16000')
    .refine((v) => v.trim() === '' || v.split(',').every((n) => /^\s*\d+\s*$/.test(n) && Number(n) <= 25_000), 'comma-separated milliseconds, each at most 25000')
    .transform((v) => (v.trim() === '' ? [] : v.split(',').map(Number))),
  /** password hashes computed at once, and waiting; past that a login gets a temporary failure at once */
  AUTH_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  AUTH_HASH_QUEUE: z.coerce.number().int().min(0).default(32),
  /** places in that queue one client IPv4 address or IPv6 /64 may hold */
  AUTH_HASHES_PER_CLIENT: z.coerce.number().int().min(1).default(4),
});

export const DeliveryEnv = z.object({
  DELIVERY_WORKERS: z.coerce.number().int().min(1).max(256).default(8),
  /** "host:port" of a smart host for all outbound mail; otherwise MX lookup */
  RELAY_HOST: z.string().optional(),
  /** for tests and closed networks: deliver outbound mail to this port instead of 25 */
  OUTBOUND_PORT: Port.default(25),
  /** a queue lease; renewed every third of it while held, so a dead replica's work is taken over about this long after it died (ADR 0036) */
  QUEUE_LEASE_MS: z.coerce.number().int().min(1000).default(15_000),
  MESSAGE_EXPIRY_HOURS: z.coerce.number().min(0.001).default(120),
  /** delays between delivery attempts in ms, comma-separated, the last repeating (default 1m, 5m, 15m, 1h, 4h); tests shorten it */
  DELIVERY_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds')
    .optional(),
  /** finished messages (and what they carried) leave the queue this long after they arrived */
  QUEUE_RETENTION_HOURS: z.coerce.number().min(0.001).default(168),
  /** recipients a replica may hand to its own workers in memory after enqueueing them (ADR 0008); 0 turns it off */
  DELIVERY_HANDOFF_RECIPIENTS: z.coerce.number().int().min(0).max(100_000).default(1000),
  /** PEM file of CA certificates trusted besides the system roots for MTA-STS (policy hosts, MX certificates) and outbound connectors' certificate/domain validation */
  OUTBOUND_TLS_CA_FILE: z.string().optional(),
  /** for tests and closed networks: the port of MTA-STS policy hosts instead of 443 */
  MTA_STS_PORT: Port.default(443),
  /** TLS-RPT (RFC 8460): daily aggregate reports of outbound TLS to the rua of each destination's _smtp._tls record */
  TLS_REPORTS: z.enum(['on', 'off']).default('on'),
  /** the TLS-RPT reporting window in seconds (RFC 8460 §4.1: a UTC day) */
  TLS_REPORT_PERIOD_SECONDS: z.coerce.number().int().min(1).default(86_400),
  /** organization-name in TLS reports; default HOSTNAME_FQDN */
  TLS_REPORT_ORGANIZATION: z.string().optional(),
  /** a delay notice (DSN, Action: delayed) to the sender once a recipient has waited this long; 0 turns it off */
  DELAY_NOTICE_HOURS: z.coerce.number().min(0).default(4),
  /** concurrent outbound deliveries to one recipient domain per delivery replica; 0: no limit */
  OUTBOUND_DOMAIN_CONCURRENCY: z.coerce.number().int().min(0).max(1000).default(10),
});

/** The migration service (ADR 0028): external accounts (fetch) and migration batches. */
export const MigrationEnv = z.object({
  /** external accounts one replica runs at the same time */
  FETCH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** how often a replica looks for due external accounts */
  FETCH_POLL_MS: z.coerce.number().int().min(50).default(15_000),
  /** a run's claim on an account; a replica that dies mid-run leaves it to others after this */
  FETCH_LEASE_MS: z.coerce.number().int().min(1000).default(15 * 60_000),
  /** authentication failures in a row after which an account is disabled (its reason shown by `mailctl fetch show`) */
  FETCH_MAX_AUTH_FAILURES: z.coerce.number().int().min(1).max(100).default(3),
  /** messages taken from one account in one run; the rest waits for the next run */
  FETCH_MAX_MESSAGES_PER_RUN: z.coerce.number().int().min(1).default(1000),
  /** PEM file of CA certificates trusted besides the system roots for remote IMAP/POP3 servers */
  REMOTE_TLS_CA_FILE: z.string().optional(),
  /** a remote server silent this long (connect, greeting, any answer) fails the run as a timeout */
  REMOTE_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  /** largest message taken from a remote server (bigger ones are skipped and recorded as an error) */
  REMOTE_MAX_MESSAGE_SIZE: z.coerce.number().int().min(1024).default(150 * 1024 * 1024),
});
export type MigrationEnv = z.infer<typeof MigrationEnv>;
