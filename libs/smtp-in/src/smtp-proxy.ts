import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { ClientPeer, ProxyGate } from '@mail/limits';
import { plainAddress } from '@mail/limits';

/**
 * Puts the PROXY gate in front of an smtp-server listener. smtp-server reads the PROXY protocol
 * itself (`useProxy`), but only version 1 and only from exact addresses, with no CIDRs and no
 * header timeout of ours; so the gate (libs/limits) does the reading, v1 or v2 from
 * PROXY_TRUSTED_CIDRS, and smtp-server, with `useProxy: true`, is handed every socket with a
 * canonical v1 line in front that names the client: the one the balancer named, or the socket's
 * own peer. session.remoteAddress is then the real client for everything downstream (limits,
 * connectors, SPF, Received, trace).
 */
export function acceptThroughProxyGate(server: SMTPServer, gate: ProxyGate): void {
  const net = server.server;
  const handlers = net.listeners('connection') as ((socket: Socket) => void)[];
  for (const handler of handlers) net.removeListener('connection', handler);
  net.on('connection', (socket: Socket) => {
    gate.accept(socket, (peer) => {
      socket.unshift(Buffer.from(proxyV1Line(peer, socket), 'latin1'));
      for (const handler of handlers) handler(socket);
    });
  });
}

/** `PROXY TCP4|TCP6 <client> <our address> <client port> <our port>` */
export function proxyV1Line(peer: ClientPeer, socket: Socket): string {
  const local = plainAddress(socket.localAddress);
  const v6 = peer.address.includes(':');
  // a v4 client on a v6 socket (or the reverse) keeps its own family; smtp-server only reads the source
  const destination = local.includes(':') === v6 ? local : v6 ? '::' : '0.0.0.0';
  return `PROXY ${v6 ? 'TCP6' : 'TCP4'} ${peer.address} ${destination} ${peer.port} ${socket.localPort ?? 0}\r\n`;
}
