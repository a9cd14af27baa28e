import { createServer, type Socket } from 'node:net';
import { serverSecureContextOptions, serverTlsOptions } from '@mail/config';
import { createSecureContext, createServer as createTlsServer, type SecureContext, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { BlobStore } from '@mail/blob';
import type { LeaseStore } from '@mail/bus';
import type { Logger } from '@mail/telemetry';
import { errResponse } from '@mail/pop3-protocol';
import { admitSocket, armDeadline, commandPacer, ConnectionLimiter, ProxyGate, type ClientPeer, type ConnectionLimits, type ProxyProtocolSettings, type RefusedBy } from '@mail/limits';
import { plainDoor, proxiedTlsDoor } from '../listener-door.js';
import { ListenerSet } from '../listener-set.js';
import { onTlsClientError } from '../tls-handshake.js';
import { Pop3Backend } from './pop3-maildrop.port.js';
import { Pop3Session, type Pop3SessionContext } from './pop3-session.js';

export interface Pop3ServerOptions {
  host: string;
  /** plain POP3 (STLS when `tls` is set); 0 picks a free port */
  port: number;
  /** implicit-TLS POP3S; needs `tls` */
  tlsPort?: number;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** USER/PASS and AUTH PLAIN without TLS */
  allowPlaintextAuth: boolean;
  logger: Logger;
  /** connections on the plain and TLS port together (default 5,000) and per client (default: none) */
  limits?: ConnectionLimits;
  /** PROXY protocol on the listeners it names (pop3, pop3s), from its trusted peers only */
  proxy?: ProxyProtocolSettings;
  /** an absolute limit from connect to login, however the client trickles its bytes; default 60 s */
  preAuthDeadlineMs?: number;
  /** commands per second a session may send (bursts of five times that); faster ones wait; default none */
  commandsPerSecond?: number;
  /** RFC 1939 autologout: at least 10 minutes */
  idleTimeoutMs?: number;
  authFailureDelayMs?: number;
  maxAuthFailures?: number;
  leaseTtlMs?: number;
  /** how long stop() lets running commands finish before cutting connections */
  shutdownGraceMs?: number;
  implementation?: string;
  /** how long a STARTTLS/STLS handshake may take (default: the TLS policy's 10 s; tests shorten it) */
  tlsHandshakeTimeoutMs?: number;
}

/** POP3 (RFC 1939, 2449, 2595, 5034) over node:net / node:tls, serving INBOX through a `Pop3Backend`. */
export class Pop3Server {
  private readonly sessions = new Set<Pop3Session>();
  private readonly listeners: ListenerSet;
  private readonly ctx: Pop3SessionContext;
  private secureContext: SecureContext | undefined;
  private tlsServer: TlsServer | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private boundPorts: { port: number; tlsPort?: number } | undefined;
  private readonly limiter: ConnectionLimiter;

  constructor(
    private readonly options: Pop3ServerOptions,
    backend: Pop3Backend,
    blobs: BlobStore,
    leases: LeaseStore,
  ) {
    if (options.tlsPort !== undefined && !options.tls) throw new Error('POP3S port needs a TLS key and certificate');
    this.listeners = new ListenerSet('POP3', options.host, options.logger);
    this.limiter = new ConnectionLimiter({ protocol: 'pop3', listener: 'pop3', logger: options.logger, ...(options.limits ?? { maxConnections: 5_000, maxPerClient: 0 }) });
    this.secureContext = options.tls ? createSecureContext(serverSecureContextOptions(options.tls)) : undefined;
    this.ctx = {
      backend,
      blobs,
      leases,
      logger: options.logger,
      allowPlaintextAuth: options.allowPlaintextAuth,
      secureContext: this.secureContext,
      tlsHandshakeTimeoutMs: options.tlsHandshakeTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
      authFailureDelayMs: options.authFailureDelayMs ?? 2_000,
      maxAuthFailures: options.maxAuthFailures ?? 5,
      leaseTtlMs: options.leaseTtlMs ?? 60_000,
      implementation: options.implementation ?? 'mail-platform',
      commandPacer: commandPacer(options.commandsPerSecond, options.limits?.exempt),
      onClose: (session) => this.sessions.delete(session),
    };
  }

  /** A renewed certificate: new handshakes (implicit TLS and STARTTLS) use it, open sessions keep theirs. */
  setTls(material: { key: string; cert: string }): void {
    if (!this.secureContext) return;
    this.secureContext = createSecureContext(serverSecureContextOptions(material));
    this.ctx.secureContext = this.secureContext;
    this.tlsServer?.setSecureContext(serverSecureContextOptions(material));
  }

  /** the ports actually bound (useful with port 0) */
  get ports(): { port: number; tlsPort?: number } {
    if (!this.boundPorts) throw new Error('POP3 server not started');
    return this.boundPorts;
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  async start(): Promise<void> {
    const logger = this.options.logger;
    const gate = ProxyGate.of(this.options.proxy, { protocol: 'pop3', listener: 'pop3', logger, watchUntrusted: true });
    const plain = createServer(plainDoor({ gate, limiter: this.limiter, refusal, accept: (socket, client) => this.accept(socket, false, client) }));
    const port = await this.listeners.listen(plain, this.options.port, true);
    let tlsPort: number | undefined;
    const tls = this.options.tls;
    const tlsGate = ProxyGate.of(this.options.proxy, { protocol: 'pop3', listener: 'pop3s', logger });
    if (this.options.tlsPort !== undefined && tls && tlsGate) {
      const door = proxiedTlsDoor({ protocol: 'pop3', gate: tlsGate, limiter: this.limiter, logger, secureContext: () => this.secureContext!, accept: (socket, client) => this.accept(socket, true, client) });
      tlsPort = await this.listeners.listen(createServer(door), this.options.tlsPort, true);
    } else if (this.options.tlsPort !== undefined && tls) {
      const secure = createTlsServer(serverTlsOptions(tls), (socket: TLSSocket) => this.accept(socket, true));
      secure.on('tlsClientError', onTlsClientError('pop3', this.options.logger));
      // counted before the handshake: refusing after it would let every refused client cost one
      secure.on('connection', (raw: Socket) => void admitSocket(this.limiter, raw));
      this.tlsServer = secure;
      tlsPort = await this.listeners.listen(secure, this.options.tlsPort, false);
    }
    this.boundPorts = { port, tlsPort };
    // one timer renews every session's maildrop lock, well before the TTL runs out
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(20, Math.floor(this.ctx.leaseTtlMs / 3)));
    this.renewTimer.unref();
    this.options.logger.info({ port, tlsPort }, 'POP3 listening');
  }

  /** Stops accepting, lets running commands finish, says goodbye to idle sessions, then cuts what is left. */
  async stop(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await this.listeners.stop(this.sessions, this.options.shutdownGraceMs ?? 10_000);
  }

  private accept(socket: Socket, secure: boolean, client?: ClientPeer): void {
    if (socket.destroyed) return;
    const session = new Pop3Session(socket, secure, this.ctx, client?.address ?? socket.remoteAddress);
    this.sessions.add(session);
    armDeadline({
      protocol: 'pop3',
      ms: this.options.preAuthDeadlineMs ?? 60_000,
      pending: () => !session.authenticated,
      expire: () => {
        this.options.logger.debug({ remote: client?.address ?? socket.remoteAddress }, 'POP3 connection closed: no login before the deadline');
        session.destroy();
      },
      closed: session.closed,
    });
    session.start();
  }

  private async renewLeases(): Promise<void> {
    await Promise.all(
      [...this.sessions].map(async (session) => {
        const key = session.heldLease;
        if (!key) return;
        const kept = await this.ctx.leases.renew(key, session.id, this.ctx.leaseTtlMs).catch(() => true);
        // someone else owns the maildrop now: this session's view is no longer safe to act on
        if (!kept && session.heldLease === key) {
          this.options.logger.warn({ session: session.id }, 'maildrop lock lost');
          session.destroy();
        }
      }),
    );
  }
}

function refusal(limit: RefusedBy): string {
  return errResponse(limit === 'client' ? 'too many connections from your address' : 'too many connections', 'SYS/TEMP');
}
