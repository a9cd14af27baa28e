import { createServer, type Socket } from 'node:net';
import { serverSecureContextOptions, serverTlsOptions } from '@mail/config';
import { createSecureContext, createServer as createTlsServer, type SecureContext, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { BlobStore } from '@mail/blob';
import type { Logger } from '@mail/telemetry';
import { untagged } from '@mail/imap-protocol';
import { admitSocket, armDeadline, commandPacer, ConnectionLimiter, ProxyGate, type ClientPeer, type ConnectionLimits, type ProxyProtocolSettings, type RefusedBy } from '@mail/limits';
import { plainDoor, proxiedTlsDoor } from '../listener-door.js';
import { ListenerSet } from '../listener-set.js';
import { onTlsClientError } from '../tls-handshake.js';
import type { AuthPort } from '../ports/auth.port.js';
import type { ChangeFeedPort } from '../ports/change-feed.port.js';
import type { MailStorePort } from '../ports/mail-store.port.js';
import type { SharingPort } from '../ports/sharing.port.js';
import { ImapSession, type ImapSessionContext } from './imap-session.js';

export interface ImapServerOptions {
  host: string;
  /** plain IMAP (STARTTLS when `tls` is set); 0 picks a free port */
  port: number;
  /** implicit-TLS IMAPS; needs `tls` */
  tlsPort?: number;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** LOGIN and AUTHENTICATE PLAIN without TLS */
  allowPlaintextAuth: boolean;
  logger: Logger;
  /** connections on the plain and TLS port together (default 10,000) and per client (default: none) */
  limits?: ConnectionLimits;
  /** PROXY protocol on the listeners it names (imap, imaps), from its trusted peers only */
  proxy?: ProxyProtocolSettings;
  /** an absolute limit from connect to login, however the client trickles its bytes; default 60 s */
  preAuthDeadlineMs?: number;
  /** commands per second a session may send (bursts of five times that); faster ones wait; default none */
  commandsPerSecond?: number;
  /** autologout once authenticated; default 30 minutes (RFC 3501 5.4) */
  idleTimeoutMs?: number;
  /** how long an unauthenticated connection may stay silent; default 60 s */
  loginTimeoutMs?: number;
  authFailureDelayMs?: number;
  maxAuthFailures?: number;
  /** default 64 KiB */
  maxCommandSize?: number;
  /** default 64 MiB */
  maxAppendSize?: number;
  /** how long stop() lets running commands finish before cutting connections */
  shutdownGraceMs?: number;
  /** how long a STARTTLS/STLS handshake may take (default: the TLS policy's 10 s; tests shorten it) */
  tlsHandshakeTimeoutMs?: number;
  /** mailbox sharing (RFC 4314 ACL); without it the ACL commands answer NO */
  sharing?: SharingPort;
}

/** IMAP4rev1 over node:net / node:tls, serving mailboxes through the store, auth and change-feed ports. */
export class ImapServer {
  private readonly sessions = new Set<ImapSession>();
  private readonly listeners: ListenerSet;
  private readonly ctx: ImapSessionContext;
  private secureContext: SecureContext | undefined;
  private tlsServer: TlsServer | undefined;
  private boundPorts: { port: number; tlsPort?: number } | undefined;
  private readonly limiter: ConnectionLimiter;

  constructor(
    private readonly options: ImapServerOptions,
    store: MailStorePort,
    auth: AuthPort,
    changes: ChangeFeedPort,
    blobs: BlobStore,
  ) {
    if (options.tlsPort !== undefined && !options.tls) throw new Error('IMAPS port needs a TLS key and certificate');
    this.listeners = new ListenerSet('IMAP', options.host, options.logger);
    this.limiter = new ConnectionLimiter({ protocol: 'imap', listener: 'imap', logger: options.logger, ...(options.limits ?? { maxConnections: 10_000, maxPerClient: 0 }) });
    this.secureContext = options.tls ? createSecureContext(serverSecureContextOptions(options.tls)) : undefined;
    this.ctx = {
      store,
      auth,
      changes,
      blobs,
      logger: options.logger,
      allowPlaintextAuth: options.allowPlaintextAuth,
      secureContext: this.secureContext,
      tlsHandshakeTimeoutMs: options.tlsHandshakeTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
      loginTimeoutMs: options.loginTimeoutMs ?? 60_000,
      authFailureDelayMs: options.authFailureDelayMs ?? 2_000,
      maxAuthFailures: options.maxAuthFailures ?? 5,
      maxCommandSize: options.maxCommandSize ?? 64 * 1024,
      maxAppendSize: options.maxAppendSize ?? 64 * 1024 * 1024,
      commandPacer: commandPacer(options.commandsPerSecond, options.limits?.exempt),
      sharing: options.sharing,
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
    if (!this.boundPorts) throw new Error('IMAP server not started');
    return this.boundPorts;
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  async start(): Promise<void> {
    const logger = this.options.logger;
    const gate = ProxyGate.of(this.options.proxy, { protocol: 'imap', listener: 'imap', logger, watchUntrusted: true });
    const plain = createServer(plainDoor({ gate, limiter: this.limiter, refusal, accept: (socket, client) => this.accept(socket, false, client) }));
    const port = await this.listeners.listen(plain, this.options.port, true);
    let tlsPort: number | undefined;
    const tls = this.options.tls;
    const tlsGate = ProxyGate.of(this.options.proxy, { protocol: 'imap', listener: 'imaps', logger });
    if (this.options.tlsPort !== undefined && tls && tlsGate) {
      const door = proxiedTlsDoor({ protocol: 'imap', gate: tlsGate, limiter: this.limiter, logger, secureContext: () => this.secureContext!, accept: (socket, client) => this.accept(socket, true, client) });
      tlsPort = await this.listeners.listen(createServer(door), this.options.tlsPort, true);
    } else if (this.options.tlsPort !== undefined && tls) {
      const secure = createTlsServer(serverTlsOptions(tls), (socket: TLSSocket) => this.accept(socket, true));
      secure.on('tlsClientError', onTlsClientError('imap', this.options.logger));
      // counted before the handshake: refusing after it would let every refused client cost one
      secure.on('connection', (raw: Socket) => void admitSocket(this.limiter, raw));
      this.tlsServer = secure;
      tlsPort = await this.listeners.listen(secure, this.options.tlsPort, false);
    }
    this.boundPorts = { port, tlsPort };
    this.options.logger.info({ port, tlsPort }, 'IMAP listening');
  }

  /** Stops accepting, says BYE to every session (after its running command), then cuts what is left. */
  async stop(): Promise<void> {
    await this.listeners.stop(this.sessions, this.options.shutdownGraceMs ?? 10_000);
  }

  private accept(socket: Socket, secure: boolean, client?: ClientPeer): void {
    if (socket.destroyed) return;
    const session = new ImapSession(socket, secure, this.ctx, client?.address ?? socket.remoteAddress);
    this.sessions.add(session);
    armDeadline({
      protocol: 'imap',
      ms: this.options.preAuthDeadlineMs ?? 60_000,
      pending: () => session.state === 'not-authenticated',
      expire: () => {
        this.options.logger.debug({ remote: client?.address ?? socket.remoteAddress }, 'IMAP connection closed: no login before the deadline');
        session.destroy();
      },
      closed: session.closed,
    });
    session.start();
  }
}

function refusal(limit: RefusedBy): string {
  return untagged(`BYE [UNAVAILABLE] ${limit === 'client' ? 'Too many connections from your address' : 'Too many connections'}, try again later`);
}
