import type { Socket } from 'node:net';
import type { ConnectionLimiter, RefusedBy } from './connection-limiter.js';
import { connectionMetrics } from './limit-metrics.js';

/**
 * Admits a freshly accepted socket through the limiter and releases its slot when it closes. A
 * refused socket hears `refusal(limit)` when it can understand it (a plain connection), or is
 * just closed (a TLS connection before its handshake). `clientAddress` is the client a PROXY header
 * named, when there was one.
 */
export function admitSocket(limiter: ConnectionLimiter, socket: Socket, refusal?: (limit: RefusedBy) => string, clientAddress = socket.remoteAddress): boolean {
  const admission = limiter.admit(clientAddress);
  if (admission.ok) {
    socket.once('close', admission.release);
    return true;
  }
  socket.on('error', () => undefined);
  if (refusal) {
    socket.end(refusal(admission.limit));
    // what the client sends meanwhile is read and dropped: unread bytes would keep its FIN from
    // being seen, and the socket (with the listener's close) would wait on it forever
    socket.resume();
    // a client that does not read the refusal (a full window) or never closes its side is cut
    socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
  } else socket.destroy();
  return false;
}

/** how long a refused connection may take to read its refusal and go */
const REFUSED_LINGER_MS = 5_000;

export interface DeadlineOptions {
  protocol: string;
  ms: number;
  /** still not logged in (or whatever the deadline waits for) */
  pending(): boolean;
  /** ends the connection */
  expire(): void;
  /** resolves when the connection is gone */
  closed: Promise<unknown>;
}

/**
 * An absolute deadline from connect: idle timers restart with every byte, so a client that
 * trickles one byte every few seconds would otherwise hold its connection (and a slot of every
 * limit) forever without ever logging in.
 */
export function armDeadline(o: DeadlineOptions): void {
  const timer = setTimeout(() => {
    if (!o.pending()) return;
    connectionMetrics().deadline.add(1, { protocol: o.protocol });
    o.expire();
  }, o.ms);
  timer.unref();
  void o.closed.then(() => clearTimeout(timer));
}
