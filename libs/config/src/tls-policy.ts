import type { SecureContextOptions, TlsOptions } from 'node:tls';

/**
 * The one TLS policy of every listener (SMTP MX/submission/submissions, IMAP/IMAPS, POP3/POP3S).
 * TLS 1.3 is offered first (Node negotiates the highest version both sides share); TLS 1.2 is the
 * floor, and on it only forward-secret AEAD suites: ECDHE key exchange with AES-GCM or
 * CHACHA20-POLY1305. CBC/RSA-key-exchange suites and TLS 1.0/1.1 are refused at the handshake.
 */
export const TLS_MIN_VERSION = 'TLSv1.2' as const;

/** TLS 1.3 suites first (all AEAD by design), then the TLS 1.2 ones in the order we prefer them. */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** A client that opens a TCP connection and never finishes the handshake holds a slot this long at most. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Options for tls.createSecureContext (STARTTLS/STLS upgrades) with our key and certificate. */
export function serverSecureContextOptions(material: { key: string | Buffer; cert: string | Buffer }): SecureContextOptions {
  return {
    key: material.key,
    cert: material.cert,
    minVersion: TLS_MIN_VERSION,
    maxVersion: 'TLSv1.3',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
  };
}

/** Options for tls.createServer (implicit TLS ports) and smtp-server: the context plus the handshake deadline. */
export function serverTlsOptions(material: { key: string | Buffer; cert: string | Buffer }): TlsOptions {
  return { ...serverSecureContextOptions(material), handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS };
}
