import type { FetchErrorKind } from '@mail/contracts';

/**
 * A failure talking to a remote server, sorted into what an administrator acts on: `auth` (the
 * password is wrong: counted toward disabling the account), `tls` (certificate or handshake),
 * `timeout`, `connect` (refused, unreachable, DNS), `protocol` (the server broke the protocol).
 */
export class RemoteError extends Error {
  override name = 'RemoteError';
  constructor(
    readonly kind: FetchErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'EPROTO',
]);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'NoConnection', 'EConnectionClosed', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ETIMEOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);

/** Sorts any error out of a remote session (ours, node's, imapflow's) into a RemoteError. */
export function classifyRemoteError(err: unknown): RemoteError {
  if (err instanceof RemoteError) return err;
  const e = err as { code?: string; message?: string; authenticationFailed?: boolean; serverResponseCode?: string; name?: string };
  const message = String(e?.message ?? err).slice(0, 500);
  const code = String(e?.code ?? '');
  if (e?.authenticationFailed || e?.serverResponseCode === 'AUTHENTICATIONFAILED' || e?.name === 'AuthenticationFailure') return new RemoteError('auth', message, { cause: err });
  if (TIMEOUT_CODES.has(code) || /timed? ?out/i.test(message)) return new RemoteError('timeout', message, { cause: err });
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /certificate|STARTTLS|TLS/i.test(message)) return new RemoteError('tls', message, { cause: err });
  if (CONNECT_CODES.has(code) || /connection (closed|reset|refused)|socket hang up|unexpectedly closed/i.test(message)) return new RemoteError('connect', message, { cause: err });
  return new RemoteError('protocol', message, { cause: err });
}
