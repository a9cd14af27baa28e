import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { admitSocket, socketPeer, type ClientPeer, type ConnectionLimiter, type ProxyGate, type RefusedBy } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import { serverHandshake } from './tls-handshake.js';

export interface DoorOptions {
  /** the listener's PROXY gate, when PROXY_PROTOCOL_LISTENERS names it */
  gate?: ProxyGate;
  limiter: ConnectionLimiter;
  accept(socket: Socket, client: ClientPeer): void;
}

/**
 * The way into a cleartext IMAP/POP3 listener: the PROXY gate (when on) says who the client is,
 * then the connection limits count that client, then the session starts.
 */
export function plainDoor(o: DoorOptions & { refusal: (limit: RefusedBy) => string }): (socket: Socket) => void {
  return (socket) => {
    const admit = (client: ClientPeer) => {
      if (admitSocket(o.limiter, socket, o.refusal, client.address)) o.accept(socket, client);
    };
    if (o.gate) o.gate.accept(socket, admit);
    else admit(socketPeer(socket));
  };
}

/**
 * An implicit-TLS listener behind a PROXY gate: the balancer's header comes before the TLS
 * handshake, so the server is a plain one that puts TLS on after the header (what tls.Server
 * would do, with the same context and handshake deadline). A refused client is closed without a
 * handshake, as on the tls.Server path.
 */
export function proxiedTlsDoor(o: DoorOptions & { protocol: 'imap' | 'pop3'; gate: ProxyGate; secureContext: () => SecureContext; logger: Logger }): (socket: Socket) => void {
  return (raw) => {
    o.gate.accept(raw, (client) => {
      if (!admitSocket(o.limiter, raw, undefined, client.address)) return;
      serverHandshake(raw, { protocol: o.protocol, secureContext: o.secureContext(), logger: o.logger, remote: client.address, onSecure: (tls) => o.accept(tls, client) });
    });
  };
}
