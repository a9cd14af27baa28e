import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { TLS_HANDSHAKE_TIMEOUT_MS } from '@mail/config';
import { tlsHandshakeFailed, tlsHandshakeFailureReason, type Logger, type TlsHandshakeFailure } from '@mail/telemetry';

/** raw socket → the TLS socket on it: a TLS socket is closed from the top, never by destroying what it wraps */
const wrapped = new WeakMap<Socket, TLSSocket>();

/** The socket to destroy for an accepted connection: its TLS socket when one was put on it. */
export function topSocket(raw: Socket): Socket {
  return wrapped.get(raw) ?? raw;
}

export interface ServerHandshakeOptions {
  protocol: 'imap' | 'pop3';
  secureContext: SecureContext;
  logger: Logger;
  /** the client's address, for the debug line */
  remote?: string;
  /** default: the TLS policy's handshake limit (10 s) */
  timeoutMs?: number;
  onSecure?(tls: TLSSocket): void;
}

/**
 * Server-side TLS on a socket already accepted: STARTTLS/STLS, and implicit TLS behind a PROXY
 * gate. tls.Server's `handshakeTimeout` does not apply to a TLSSocket made by hand, so without the
 * deadline here a client that sends STARTTLS and then nothing holds its socket until the session
 * timers run out. A handshake that fails (deadline, client gone, no shared version or suite) is
 * counted in `mail_tls_handshake_failures_total`, logged at debug (scanners would flood a warn
 * log) and both sockets are destroyed.
 */
export function serverHandshake(raw: Socket, o: ServerHandshakeOptions): TLSSocket {
  const tls = new TLSSocket(raw, { isServer: true, secureContext: o.secureContext });
  wrapped.set(raw, tls);
  let settled = false;
  const fail = (reason: TlsHandshakeFailure, err?: Error) => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    tlsHandshakeFailed(o.protocol, reason);
    o.logger.debug({ reason, err: err?.message, remote: o.remote }, 'TLS handshake failed');
    tls.destroy();
    raw.destroy();
  };
  const deadline = setTimeout(() => fail('timeout'), o.timeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS);
  deadline.unref();
  const onError = (err: Error) => fail(tlsHandshakeFailureReason(err as Error & { code?: string }), err);
  const onClose = () => fail('closed');
  tls.once('error', onError);
  tls.once('close', onClose);
  tls.once('secure', () => {
    settled = true;
    clearTimeout(deadline);
    tls.off('error', onError);
    tls.off('close', onClose);
    o.onSecure?.(tls);
  });
  return tls;
}

/** tls.Server's `tlsClientError` (implicit TLS ports): counted and logged like the handshakes above. */
export function onTlsClientError(protocol: 'imap' | 'pop3', logger: Logger): (err: Error & { code?: string }, socket: TLSSocket) => void {
  return (err, socket) => {
    const reason = tlsHandshakeFailureReason(err);
    tlsHandshakeFailed(protocol, reason);
    logger.debug({ reason, err: err.message, remote: socket.remoteAddress }, 'TLS handshake failed');
  };
}
