import { cleartextProblem, type RemoteTls } from '@mail/contracts';

/** The IMAP server a batch moves users from. */
export interface RemoteEndpoint {
  host: string;
  port: number;
  tls: RemoteTls;
  /** `tls: none` to a host that is not loopback was explicitly allowed (certificates are always verified) */
  insecure: boolean;
}

/**
 * Refuses an endpoint that is not a host and port, or that would send passwords in the clear (the
 * shared rule of @mail/contracts). Returns the reason, or null when the endpoint is acceptable.
 */
export function endpointProblem(e: RemoteEndpoint): string | null {
  if (!e.host || e.host.length > 253 || /[\s/\\@]/.test(e.host)) return 'host must be a host name or an IP address';
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) return 'port must be 1-65535';
  return cleartextProblem(e);
}
