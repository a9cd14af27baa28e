import { readFileSync } from 'node:fs';
import { registerCertificateExpiry } from '@mail/telemetry';
import { loadOrCreateTls, type AccessEnv, type CommonEnv, type DeliveryEnv, type SmtpEnv, type TlsMaterial } from '@mail/config';
import { parseDnsServers } from '@mail/dns';
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
    retentionHours: env.QUEUE_RETENTION_HOURS,
    hostname: env.HOSTNAME_FQDN,
    relayHost: env.RELAY_HOST,
    outboundPort: env.OUTBOUND_PORT,
    recipientCacheTtlMs: env.RECIPIENT_CACHE_TTL_MS,
    handoffRecipients: env.DELIVERY_HANDOFF_RECIPIENTS,
    dnsServers: parseDnsServers(env.DNS_SERVERS),
    mtaStsPort: env.MTA_STS_PORT,
    delayNoticeHours: env.DELAY_NOTICE_HOURS,
    perDomainConcurrency: env.OUTBOUND_DOMAIN_CONCURRENCY,
    extraCa: env.OUTBOUND_TLS_CA_FILE ? [readFileSync(env.OUTBOUND_TLS_CA_FILE, 'utf8')] : undefined,
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
    tlsClientCaFile: env.TLS_CLIENT_CA_FILE,
    allowPlaintextAuth: env.ALLOW_PLAINTEXT_AUTH,
    maxMessageSize: env.MAX_MESSAGE_SIZE,
    maxRecipients: env.MAX_RECIPIENTS,
    maxConnections: env.SMTP_MAX_CONNECTIONS,
    recipientCacheTtlMs: env.RECIPIENT_CACHE_TTL_MS,
    dnsServers: parseDnsServers(env.DNS_SERVERS),
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
    allowPlaintextAuth: env.ALLOW_PLAINTEXT_AUTH,
    maxAppendSize: env.MAX_APPEND_SIZE,
    bodyCacheBytes: env.ACCESS_BODY_CACHE_MB * 1024 * 1024,
  };
}

/** The server certificate: configured files or the self-signed one under DATA_DIR. Its expiry is exported as a metric. */
export async function serverTls(env: CommonEnv) {
  const tls = await loadOrCreateTls({ certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, dataDir: env.DATA_DIR, hostname: env.HOSTNAME_FQDN });
  registerCertificateExpiry(() => tls);
  return tls;
}
