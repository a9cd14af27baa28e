import { createServer, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type SecureContext, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { serverSecureContextOptions, serverTlsOptions } from '@mail/config';
import { admitSocket, armDeadline, ConnectionLimiter, connectionMetrics, ProxyGate, type ClientPeer, type ConnectionLimits, type ProxyProtocolSettings, type RefusedBy, type SessionSlots } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import type { AccessProtocol } from './access-metrics.js';
import { plainDoor, proxiedTlsDoor } from './listener-door.js';
import { ListenerSet, type StoppableSession } from './listener-set.js';
import { onTlsClientError } from './tls-handshake.js';
import { UserConnections } from './user-connections.js';

/** What the connection layer needs of an IMAP or POP3 session. */
export interface ListenedSession extends StoppableSession {
  start(): void;
}

/** The connection settings IMAP and POP3 share, with the same meaning and the same defaults. */
export interface AccessListenerSettings {
  host: string;
  /** the cleartext port (STARTTLS/STLS when `tls` is set); 0 picks a free port */
  port: number;
  /** the implicit-TLS port; needs `tls` */
  tlsPort?: number;
  tls?: { key: string | Buffer; cert: string | Buffer };
  logger: Logger;
  /** connections on the plain and TLS port together and per client (default: DEFAULT_LIMITS) */
  limits?: ConnectionLimits;
  /** sessions one account may hold at once (IMAP; POP3's maildrop lock allows one), but from the `limits.exempt` networks; 0 or unset: no limit */
  maxPerUser?: number;
  /** where `maxPerUser` is counted across the replicas (ADR 0065); without it, on this process */
  sessionSlots?: SessionSlots;
  /** PROXY protocol on the listeners it names, from its trusted peers only */
  proxy?: ProxyProtocolSettings;
  /** an absolute limit from connect to login, however the client trickles its bytes; default 60 s */
  preAuthDeadlineMs?: number;
  /** how long stop() lets running commands finish before cutting connections; default 10 s */
  shutdownGraceMs?: number;
}

export interface AccessListenerOptions<S extends ListenedSession> extends AccessListenerSettings {
  protocol: AccessProtocol;
  /** the listener names PROXY_PROTOCOL_LISTENERS uses: cleartext, then implicit TLS */
  names: [plain: string, tls: string];
  /** what a client refused by a connection limit hears on the cleartext port */
  refusal(limit: RefusedBy): string;
  open(socket: Socket, secure: boolean, clientAddress: string | undefined): S;
  /** still before login: the pre-login deadline applies */
  awaitingLogin(session: S): boolean;
}

/** the limits when the caller names none (tests, embedders); deployments set them from the environment */
export const DEFAULT_LIMITS: ConnectionLimits = { maxConnections: 10_000, maxPerClient: 0 };

/**
 * The connection layer of IMAP and POP3 (issue 14): the listeners (cleartext and implicit TLS,
 * each behind the PROXY gate when configured), the TLS context (one policy for both protocols, used
 * for implicit TLS and handed to the sessions for STARTTLS/STLS, renewed without a restart), the
 * connection limits per listener, per process, per client address and per account, the pre-login
 * deadline, and a graceful stop. A protocol server only says how a session starts and how a refusal
 * is worded.
 */
export class AccessListener<S extends ListenedSession> {
  private readonly sessions = new Set<S>();
  private readonly listeners: ListenerSet;
  private readonly limiter: ConnectionLimiter;
  private readonly users: UserConnections;
  private context: SecureContext | undefined;
  private tlsServer: TlsServer | undefined;
  private boundPorts: { port: number; tlsPort?: number } | undefined;

  constructor(private readonly o: AccessListenerOptions<S>) {
    const label = o.protocol.toUpperCase();
    if (o.tlsPort !== undefined && !o.tls) throw new Error(`${label}S port needs a TLS key and certificate`);
    this.listeners = new ListenerSet(label, o.host, o.logger);
    this.limiter = new ConnectionLimiter({ protocol: o.protocol, listener: o.names[0], logger: o.logger, ...(o.limits ?? DEFAULT_LIMITS) });
    this.users = new UserConnections(o.maxPerUser ?? 0);
    this.context = o.tls ? createSecureContext(serverSecureContextOptions(o.tls)) : undefined;
  }

  /** for STARTTLS/STLS; undefined when the server has no certificate */
  get secureContext(): SecureContext | undefined {
    return this.context;
  }

  /** A renewed certificate: new handshakes (implicit TLS and STARTTLS) use it, open sessions keep theirs. */
  setTls(material: { key: string; cert: string }): void {
    if (!this.context) return;
    this.context = createSecureContext(serverSecureContextOptions(material));
    this.tlsServer?.setSecureContext(serverSecureContextOptions(material));
  }

  /** the ports actually bound (useful with port 0) */
  get ports(): { port: number; tlsPort?: number } {
    if (!this.boundPorts) throw new Error(`${this.o.protocol.toUpperCase()} server not started`);
    return this.boundPorts;
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** the sessions open now */
  get open(): ReadonlySet<S> {
    return this.sessions;
  }

  async start(): Promise<{ port: number; tlsPort?: number }> {
    const o = this.o;
    const [plainName, tlsName] = o.names;
    const gate = ProxyGate.of(o.proxy, { protocol: o.protocol, listener: plainName, logger: o.logger, watchUntrusted: true });
    const plain = createServer(plainDoor({ gate, limiter: this.limiter, refusal: o.refusal, accept: (socket, client) => this.accept(socket, false, client) }));
    const port = await this.listeners.listen(plain, o.port, true);
    let tlsPort: number | undefined;
    const tlsGate = ProxyGate.of(o.proxy, { protocol: o.protocol, listener: tlsName, logger: o.logger });
    if (o.tlsPort !== undefined && o.tls && tlsGate) {
      const door = proxiedTlsDoor({ protocol: o.protocol, gate: tlsGate, limiter: this.limiter, logger: o.logger, secureContext: () => this.tlsContext(), accept: (socket, client) => this.accept(socket, true, client) });
      tlsPort = await this.listeners.listen(createServer(door), o.tlsPort, true);
    } else if (o.tlsPort !== undefined && o.tls) {
      const secure = createTlsServer(serverTlsOptions(o.tls), (socket: TLSSocket) => this.accept(socket, true));
      secure.on('tlsClientError', onTlsClientError(o.protocol, o.logger));
      // counted before the handshake: refusing after it would let every refused client cost one
      secure.on('connection', (raw: Socket) => void admitSocket(this.limiter, raw));
      this.tlsServer = secure;
      tlsPort = await this.listeners.listen(secure, o.tlsPort, false);
    }
    this.boundPorts = { port, tlsPort };
    o.logger.info({ port, tlsPort }, `${o.protocol.toUpperCase()} listening`);
    return this.boundPorts;
  }

  /** Stops accepting, asks every session to finish (its running command, then goodbye), then cuts what is left. */
  async stop(): Promise<void> {
    await this.listeners.stop(this.sessions, this.o.shutdownGraceMs ?? 10_000);
  }

  /** The session is gone (its own close handler calls this). */
  forget(session: S): void {
    this.sessions.delete(session);
  }

  /**
   * Counts a login against the account's session limit; false when the account already holds as
   * many sessions as allowed. The slot is given back when the session closes. Clients in the
   * exempt networks (LIMIT_EXEMPT_NETWORKS: a webmail, the bench) are not counted, as for the
   * per-client limit.
   */
  async admitUser(session: S, accountId: string, clientAddress: string | undefined): Promise<boolean> {
    if (this.o.limits?.exempt?.has(clientAddress)) return true;
    const max = this.users.max;
    const release = this.o.sessionSlots && max > 0 ? await this.o.sessionSlots.take(accountId, max) : this.users.take(accountId);
    if (!release) {
      connectionMetrics().refused.add(1, { protocol: this.o.protocol, listener: this.o.names[0], limit: 'user' });
      this.o.logger.info({ account: accountId, max: this.users.max }, `${this.o.protocol.toUpperCase()} login refused: per-user connection limit reached`);
      return false;
    }
    void session.closed.then(release);
    return true;
  }

  private tlsContext(): SecureContext {
    if (!this.context) throw new Error('implicit TLS without a certificate');
    return this.context;
  }

  private accept(socket: Socket, secure: boolean, client?: ClientPeer): void {
    if (socket.destroyed) return;
    const remote = client?.address ?? socket.remoteAddress;
    const session = this.o.open(socket, secure, remote);
    this.sessions.add(session);
    armDeadline({
      protocol: this.o.protocol,
      ms: this.o.preAuthDeadlineMs ?? 60_000,
      pending: () => this.o.awaitingLogin(session),
      expire: () => {
        this.o.logger.debug({ remote }, `${this.o.protocol.toUpperCase()} connection closed: no login before the deadline`);
        session.destroy();
      },
      closed: session.closed,
    });
    session.start();
  }
}
