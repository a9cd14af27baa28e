import { readFileSync } from 'node:fs';
import { registerCertificateExpiry } from '@mail/telemetry';
import { loadOrCreateTls, type AccessEnv, type AuthEnv, type CommonEnv, type DeliveryEnv, type MigrationEnv, type SmtpEnv, type TlsFiles, type TlsMaterial } from '@mail/config';
import { parseDnsServers } from '@mail/dns';
import { NetworkList, type ProxyProtocolSettings } from '@mail/limits';
import type { z } from 'zod';

/**
 * Validated environment → the plain config each feature module takes. One place, so that a
 * distributed service and the embedded process configure a feature identically.
 */
export function deliveryConfig(env: CommonEnv & z.output<typeof DeliveryEnv>) {
  return {
    workers: env.DELIVERY_WORKERS,
    leaseMs: env.QUEUE_LEASE_MS,
    expiryHours: env.MESSAGE_EXPIRY_HOURS,
    retrySchedule: env.DELIVERY_RETRY_SCHEDULE_MS?.split(',').map(Number),
    retentionHours: env.QUEUE_RETENTION_HOURS,
    hostname: env.HOSTNAME_FQDN,
    relayHost: env.RELAY_HOST,
    outboundPort: env.OUTBOUND_PORT,
    recipientCacheTtlMs: env.RECIPIENT_CACHE_TTL_MS,
    handoffRecipients: env.DELIVERY_HANDOFF_RECIPIENTS,
    dnsServers: parseDnsServers(env.DNS_SERVERS),
    mtaStsPort: env.MTA_STS_PORT,
    tlsReports: env.TLS_REPORTS === 'off' ? (false as const) : { periodSeconds: env.TLS_REPORT_PERIOD_SECONDS, organization: env.TLS_REPORT_ORGANIZATION },
    delayNoticeHours: env.DELAY_NOTICE_HOURS,
    perDomainConcurrency: env.OUTBOUND_DOMAIN_CONCURRENCY,
    extraCa: env.OUTBOUND_TLS_CA_FILE ? [readFileSync(env.OUTBOUND_TLS_CA_FILE, 'utf8')] : undefined,
  };
}

export function authConfig(env: CommonEnv & z.output<typeof AuthEnv>) {
  return {
    loginDelayMs: env.AUTH_LOGIN_DELAY_MS,
    lockout: { maxFailures: env.AUTH_LOCKOUT_MAX_FAILURES, windowMs: env.AUTH_LOCKOUT_WINDOW_MS },
    throttle: {
      maxPerClient: env.AUTH_MAX_FAILURES_PER_CLIENT,
      maxPerAccount: env.AUTH_MAX_FAILURES_PER_ACCOUNT,
      penaltyMs: env.AUTH_PENALTY_MS,
      exempt: new NetworkList(env.LIMIT_EXEMPT_NETWORKS),
    },
    hashConcurrency: env.AUTH_HASH_CONCURRENCY,
    hashQueue: env.AUTH_HASH_QUEUE,
    hashesPerClient: env.AUTH_HASHES_PER_CLIENT,
  };
}

export function smtpInConfig(env: CommonEnv & z.output<typeof SmtpEnv>, tls: TlsMaterial) {
  return {
    host: env.BIND_HOST,
    mxPort: env.SMTP_PORT,
    submissionPort: env.SUBMISSION_PORT,
    submissionsPort: env.SUBMISSIONS_PORT || undefined,
    hostname: env.HOSTNAME_FQDN,
    postmaster: env.POSTMASTER_ADDRESS,
    tls,
    tlsFiles: tlsFiles(env),
    tlsClientCaFile: env.TLS_CLIENT_CA_FILE,
    allowPlaintextAuth: env.ALLOW_PLAINTEXT_AUTH,
    maxMessageSize: env.MAX_MESSAGE_SIZE,
    maxRecipients: env.MAX_RECIPIENTS,
    maxConnections: env.SMTP_MAX_CONNECTIONS,
    recipientCacheTtlMs: env.RECIPIENT_CACHE_TTL_MS,
    dnsServers: parseDnsServers(env.DNS_SERVERS),
    proxy: proxySettings(env),
    limits: {
      maxPerClient: env.SMTP_MAX_CONNECTIONS_PER_IP,
      exempt: new NetworkList(env.LIMIT_EXEMPT_NETWORKS),
      processMax: env.PROCESS_MAX_CONNECTIONS,
      preMailDeadlineMs: env.SMTP_PRE_MAIL_DEADLINE_MS,
      rates: {
        messagesPerMinute: env.SMTP_MAX_MESSAGES_PER_MINUTE_PER_IP,
        recipientsPerMinute: env.SMTP_MAX_RECIPIENTS_PER_MINUTE_PER_IP,
        failedRecipientsPerConnection: env.SMTP_MAX_FAILED_RECIPIENTS,
      },
    },
  };
}

export function accessConfig(env: CommonEnv & z.output<typeof AccessEnv>, tls: TlsMaterial) {
  return {
    host: env.BIND_HOST,
    imapPort: env.IMAP_PORT,
    imapsPort: env.IMAPS_PORT || undefined,
    pop3Port: env.POP3_PORT,
    pop3sPort: env.POP3S_PORT || undefined,
    tls,
    tlsFiles: tlsFiles(env),
    allowPlaintextAuth: env.ALLOW_PLAINTEXT_AUTH,
    maxAppendSize: env.MAX_APPEND_SIZE,
    bodyCacheBytes: env.ACCESS_BODY_CACHE_MB * 1024 * 1024,
    envelopeCacheBytes: env.ACCESS_ENVELOPE_CACHE_MB * 1024 * 1024,
    proxy: proxySettings(env),
    limits: {
      imap: { maxConnections: env.IMAP_MAX_CONNECTIONS, maxPerClient: env.IMAP_MAX_CONNECTIONS_PER_IP, exempt: new NetworkList(env.LIMIT_EXEMPT_NETWORKS), processMax: env.PROCESS_MAX_CONNECTIONS },
      pop3: { maxConnections: env.POP3_MAX_CONNECTIONS, maxPerClient: env.POP3_MAX_CONNECTIONS_PER_IP, exempt: new NetworkList(env.LIMIT_EXEMPT_NETWORKS), processMax: env.PROCESS_MAX_CONNECTIONS },
      preAuthDeadlineMs: env.PREAUTH_DEADLINE_MS,
      commandsPerSecond: env.COMMANDS_PER_SECOND || undefined,
      imapMaxPerUser: env.IMAP_MAX_CONNECTIONS_PER_USER,
      imapAutologoutMs: env.IMAP_AUTOLOGOUT_MS,
      imapLoginTimeoutMs: env.IMAP_LOGIN_TIMEOUT_MS,
      pop3AutologoutMs: env.POP3_AUTOLOGOUT_MS,
    },
  };
}

export const PROXY_LISTENERS = ['mx', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s'] as const;

/** PROXY_PROTOCOL_LISTENERS / PROXY_TRUSTED_CIDRS, checked together: a PROXY listener without trusted peers would refuse everyone. */
export function proxySettings(env: CommonEnv): ProxyProtocolSettings | undefined {
  const names = env.PROXY_PROTOCOL_LISTENERS.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) return undefined;
  const listeners = names.includes('all') ? [...PROXY_LISTENERS] : names;
  const unknown = listeners.filter((n) => !(PROXY_LISTENERS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`PROXY_PROTOCOL_LISTENERS: unknown listener ${unknown.join(', ')} (known: ${PROXY_LISTENERS.join(', ')}, all)`);
  const trusted = new NetworkList(env.PROXY_TRUSTED_CIDRS);
  if (trusted.empty) throw new Error('PROXY_PROTOCOL_LISTENERS is set but PROXY_TRUSTED_CIDRS is empty: name the load balancers that may send a PROXY header');
  return { listeners, trusted, headerTimeoutMs: env.PROXY_HEADER_TIMEOUT_MS };
}

/** The configured certificate files, watched for renewals; none when the self-signed pair is used. */
function tlsFiles(env: CommonEnv): TlsFiles | undefined {
  return env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, intervalMs: env.TLS_RELOAD_INTERVAL_MS } : undefined;
}

/** The server certificate: configured files or the self-signed one under DATA_DIR. Its expiry is exported as a metric. */
export async function serverTls(env: CommonEnv) {
  const tls = await loadOrCreateTls({ certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, dataDir: env.DATA_DIR, hostname: env.HOSTNAME_FQDN });
  registerCertificateExpiry(() => tls);
  return tls;
}

/** libs/migration's config (ADR 0028): the migration service and the embedded process alike. */
export function migrationConfig(env: CommonEnv & z.output<typeof MigrationEnv>) {
  return {
    hostname: env.HOSTNAME_FQDN,
    remote: {
      timeoutMs: env.REMOTE_TIMEOUT_MS,
      maxMessageBytes: env.REMOTE_MAX_MESSAGE_SIZE,
      extraCa: env.REMOTE_TLS_CA_FILE ? [readFileSync(env.REMOTE_TLS_CA_FILE, 'utf8')] : undefined,
    },
    fetch: {
      concurrency: env.FETCH_CONCURRENCY,
      pollMs: env.FETCH_POLL_MS,
      leaseMs: env.FETCH_LEASE_MS,
      maxAuthFailures: env.FETCH_MAX_AUTH_FAILURES,
      maxMessagesPerRun: env.FETCH_MAX_MESSAGES_PER_RUN,
    },
  };
}
