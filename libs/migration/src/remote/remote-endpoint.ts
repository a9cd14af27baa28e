import { isIP } from 'node:net';
import { ContractError, type RemoteTls } from '@mail/contracts';

/** Where a remote IMAP or POP3 server is and how to protect the connection to it. */
export interface RemoteEndpoint {
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  tls: RemoteTls;
  /** `tls: none` to a host that is not loopback was explicitly allowed */
  insecure: boolean;
}

const DEFAULT_PORTS = { imap: { implicit: 993, starttls: 143, none: 143 }, pop3: { implicit: 995, starttls: 110, none: 110 } } as const;

export function defaultPort(protocol: RemoteEndpoint['protocol'], tls: RemoteTls): number {
  return DEFAULT_PORTS[protocol][tls];
}

/** 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || h.startsWith('::ffff:127.');
  return false;
}

/**
 * Validates a remote endpoint as an administrator gave it: a cleartext connection (`tls: none`)
 * would send the account's password across the network, so it is refused unless the host is
 * loopback or `insecure` says the administrator means it. The port defaults by protocol and TLS.
 */
export function remoteEndpoint(input: { protocol: RemoteEndpoint['protocol']; host: string; port?: number; tls: RemoteTls; insecure?: boolean }): RemoteEndpoint {
  const insecure = input.insecure ?? false;
  if (input.tls === 'none' && !insecure && !isLoopbackHost(input.host)) {
    throw new ContractError('INVALID', `tls none to ${input.host} would send the password in clear: use implicit or starttls, or pass --insecure`);
  }
  return { protocol: input.protocol, host: input.host, port: input.port ?? defaultPort(input.protocol, input.tls), tls: input.tls, insecure };
}
