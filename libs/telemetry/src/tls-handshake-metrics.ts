import { metrics, type Counter } from '@opentelemetry/api';

/** Why a server-side TLS handshake did not finish. */
export type TlsHandshakeFailure = 'timeout' | 'closed' | 'refused';

let counter: Counter | undefined;

/**
 * Failed handshakes are routine on a public port (scanners, clients with only old protocols or
 * CBC suites, connections dropped half way): one log line each at warn would flood the log, so
 * they are counted here and logged at debug.
 */
export function tlsHandshakeFailed(protocol: 'smtp' | 'imap' | 'pop3', reason: TlsHandshakeFailure): void {
  counter ??= metrics.getMeter('tls').createCounter('mail_tls_handshake_failures_total', {
    description: 'Server-side TLS handshakes (implicit TLS and STARTTLS/STLS) that did not finish, by protocol and reason: timeout, closed by the client, refused (no shared version or suite, not TLS at all)',
  });
  counter.add(1, { protocol, reason });
}

/** The reason of a handshake error as Node or smtp-server report it. */
export function tlsHandshakeFailureReason(err: { code?: unknown; message?: string } | undefined): TlsHandshakeFailure {
  const code = typeof err?.code === 'string' ? err.code : '';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  if (!err || code === 'ECONNRESET' || code === 'EPIPE' || code === 'SocketError') return 'closed';
  return 'refused';
}
