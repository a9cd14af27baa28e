import { ContractError, cleartextProblem, defaultRemotePort, type RemoteTls } from '@mail/contracts';

/** Where a remote IMAP or POP3 server is and how to protect the connection to it. */
export interface RemoteEndpoint {
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  tls: RemoteTls;
  /** `tls: none` to a host that is not loopback was explicitly allowed */
  insecure: boolean;
}

/**
 * Validates a remote endpoint as an administrator gave it: cleartext only where the shared rule of
 * @mail/contracts allows it (loopback, or `insecure`). The port defaults by protocol and TLS.
 */
export function remoteEndpoint(input: { protocol: RemoteEndpoint['protocol']; host: string; port?: number; tls: RemoteTls; insecure?: boolean }): RemoteEndpoint {
  const insecure = input.insecure ?? false;
  const problem = cleartextProblem({ host: input.host, tls: input.tls, insecure });
  if (problem) throw new ContractError('INVALID', problem);
  return { protocol: input.protocol, host: input.host, port: input.port ?? defaultRemotePort(input.protocol, input.tls), tls: input.tls, insecure };
}
