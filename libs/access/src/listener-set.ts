import { once } from 'node:events';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Logger } from '@mail/telemetry';
import { topSocket } from './tls-handshake.js';

/** What stop() needs of a protocol session. */
export interface StoppableSession {
  /** finish the running command, say goodbye, close */
  shutdown(): void;
  /** cut the connection now */
  destroy(): void;
  readonly closed: Promise<unknown>;
}

/**
 * The listening sockets of one protocol server (IMAP or POP3) and every connection their plain
 * listeners accepted. `net.Server.close()` waits for every accepted socket, including those that
 * never became a session: refused by a limit (the refusal is written, the client never reads it
 * nor closes), waiting for a PROXY header, half-way through a handshake. Without this, a slowloris
 * client that never closes its side held the platform's shutdown forever.
 */
export class ListenerSet {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly label: string,
    private readonly host: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Binds `server`; with `track`, its accepted sockets are remembered until they close. A
   * tls.Server's raw sockets are not tracked: destroying one under a TLS handshake tears the wrap
   * down from below; its handshake deadline bounds them instead.
   */
  async listen(server: Server, port: number, track: boolean): Promise<number> {
    server.on('error', (err) => this.logger.error({ err: err.message }, `${this.label} listener error`));
    if (track) {
      server.on('connection', (socket: Socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      });
    }
    server.listen(port, this.host);
    await once(server, 'listening');
    this.servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  /** connections accepted and not yet closed (sessions and refused or pending ones) */
  get openConnections(): number {
    return this.sockets.size;
  }

  /**
   * Stops accepting, asks every session to finish (its running command, then BYE), and after
   * `graceMs` cuts every connection still open: sessions and connections that never were one.
   */
  async stop(sessions: Set<StoppableSession>, graceMs: number): Promise<void> {
    const closing = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    this.servers.length = 0;
    const open = [...sessions];
    for (const session of open) session.shutdown();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(open.map((s) => s.closed)), expired]);
    clearTimeout(timer);
    for (const session of sessions) session.destroy();
    for (const socket of this.sockets) topSocket(socket).destroy();
    await Promise.all([...open.map((s) => s.closed), ...closing]);
  }
}
