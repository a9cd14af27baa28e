import type { SecureContext } from 'node:tls';
import { commandPacer, type TokenBucket } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import type { AccessListener, AccessListenerSettings, ListenedSession } from './access-listener.js';
import type { AccessConfig } from './access.config.js';

/** What IMAP and POP3 servers are configured with alike: the connection layer's settings and the login rules. */
export interface AccessServerSettings extends AccessListenerSettings {
  /** credentials without TLS (IMAP LOGIN, POP3 USER/PASS, AUTH PLAIN) */
  allowPlaintextAuth: boolean;
  /** commands per second a session may send (bursts of five times that); faster ones wait; default none */
  commandsPerSecond?: number;
  /** wait before answering a failed login; default 2 s */
  authFailureDelayMs?: number;
  /** failed logins before the connection is closed; default 5 */
  maxAuthFailures?: number;
  /** how long a STARTTLS/STLS handshake may take (default: the TLS policy's 10 s; tests shorten it) */
  tlsHandshakeTimeoutMs?: number;
}

/** The part of a session context that IMAP and POP3 sessions share. */
export interface SharedSessionContext<S> {
  logger: Logger;
  allowPlaintextAuth: boolean;
  /** STARTTLS/STLS is offered when set */
  secureContext?: SecureContext;
  tlsHandshakeTimeoutMs?: number;
  authFailureDelayMs: number;
  maxAuthFailures: number;
  /** the command-rate bucket for a session from this address, if it gets one (docs/security.md) */
  commandPacer?: (remoteAddress: string | undefined) => TokenBucket | undefined;
  onClose(session: S): void;
}

/**
 * An IMAP or POP3 server: a connection layer (AccessListener) and the context its sessions share.
 * What is the same for both protocols (certificate renewal, ports, start, stop, the shared context
 * fields and their defaults) is here once.
 */
export abstract class AccessServer<S extends ListenedSession, C extends SharedSessionContext<S>> {
  protected abstract readonly listener: AccessListener<S>;
  protected abstract readonly ctx: C;

  /** A renewed certificate: new handshakes (implicit TLS and STARTTLS/STLS) use it, open sessions keep theirs. */
  setTls(material: { key: string; cert: string }): void {
    this.listener.setTls(material);
    this.ctx.secureContext = this.listener.secureContext;
  }

  /** the ports actually bound (useful with port 0) */
  get ports(): { port: number; tlsPort?: number } {
    return this.listener.ports;
  }

  get connectionCount(): number {
    return this.listener.connectionCount;
  }

  async start(): Promise<void> {
    await this.listener.start();
  }

  /** Stops accepting, lets running commands finish, says goodbye to idle sessions, then cuts what is left. */
  async stop(): Promise<void> {
    await this.listener.stop();
  }

  /** the shared context fields, with the defaults both protocols use */
  protected sharedContext(o: AccessServerSettings): SharedSessionContext<S> {
    return {
      logger: o.logger,
      allowPlaintextAuth: o.allowPlaintextAuth,
      secureContext: this.listener.secureContext,
      tlsHandshakeTimeoutMs: o.tlsHandshakeTimeoutMs,
      authFailureDelayMs: o.authFailureDelayMs ?? 2_000,
      maxAuthFailures: o.maxAuthFailures ?? 5,
      commandPacer: commandPacer(o.commandsPerSecond, o.limits?.exempt),
      onClose: (session) => this.listener.forget(session),
    };
  }
}

/** The settings of the configuration that IMAP and POP3 servers take alike. */
export function accessServerSettings(c: AccessConfig, protocol: 'imap' | 'pop3', logger: Logger): AccessServerSettings {
  const imap = protocol === 'imap';
  return {
    host: c.host,
    port: imap ? c.imapPort : c.pop3Port,
    tlsPort: imap ? c.imapsPort : c.pop3sPort,
    tls: c.tls,
    allowPlaintextAuth: c.allowPlaintextAuth,
    logger,
    proxy: c.proxy,
    limits: c.limits?.[protocol],
    preAuthDeadlineMs: c.limits?.preAuthDeadlineMs,
    commandsPerSecond: c.limits?.commandsPerSecond,
  };
}
