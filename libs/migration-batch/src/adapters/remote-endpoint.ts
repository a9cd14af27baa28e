import { isIP } from 'node:net';

export type RemoteTls = 'implicit' | 'starttls' | 'none';

/** The IMAP server a batch moves users from. */
export interface RemoteEndpoint {
  host: string;
  port: number;
  tls: RemoteTls;
  /** `tls: none` to a host that is not loopback was explicitly allowed (certificates are always verified) */
  insecure: boolean;
}

export function defaultImapPort(tls: RemoteTls): number {
  return tls === 'implicit' ? 993 : 143;
}

/** Whether `host` is this machine: the one case where a plaintext login leaks nothing on the wire. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/**
 * Refuses an endpoint that would send passwords in the clear: `none` only to a loopback host or
 * with `insecure` said out loud. Returns the reason, or null when the endpoint is acceptable.
 */
export function endpointProblem(e: RemoteEndpoint): string | null {
  if (!e.host || e.host.length > 253 || /[\s/\\@]/.test(e.host)) return 'host must be a host name or an IP address';
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) return 'port must be 1-65535';
  if (e.tls === 'none' && !e.insecure && !isLoopbackHost(e.host)) return '--tls none sends passwords in the clear: only to a loopback host, or with --insecure';
  return null;
}
