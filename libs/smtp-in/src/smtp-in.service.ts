import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { Bus, CachedRequester } from '@mail/bus';
import { DirectoryChanged, ResolveRecipient } from '@mail/contracts';
import { BlobStore } from '@mail/blob';
import { createLogger, servedCertificateRenewed, tlsHandshakeFailed, tlsHandshakeFailureReason, type Logger } from '@mail/telemetry';
import { serverTlsOptions, watchTlsFiles } from '@mail/config';
import { SMTP_IN_CONFIG, type SmtpInConfig } from './smtp-in.config.js';
import { coalescePipelinedReplies, honourExplicitEnhancedCodes } from './smtp-reply.js';
import { installChunking } from './bdat.js';
import { SmtpConnectionGuard } from './smtp-connection-guard.js';
import { SmtpSessionPolicy, type ListenerKind } from './smtp-session.js';
import { ConnectorSet } from '@mail/connector-rules';
import { InboundConnectors } from './inbound-connectors.js';
import { inboundConnectorTls } from './inbound-connector-tls.js';
import { ProxyGate, SharedCounters } from '@mail/limits';
import { acceptThroughProxyGate } from './smtp-proxy.js';

export interface SmtpPorts {
  mx: number;
  submission: number;
  submissions?: number;
}

/** The SMTP listeners: MX (no AUTH), submission (AUTH after STARTTLS) and optional implicit-TLS submission. */
@Injectable()
export class SmtpInService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly policy: SmtpSessionPolicy;
  private readonly connectors: InboundConnectors;
  private readonly recipients: CachedRequester<typeof ResolveRecipient>;
  private servers = new Map<ListenerKind, SMTPServer>();
  private guards: SmtpConnectionGuard[] = [];
  private tlsWatch: { stop(): void } | undefined;
  private bound: Partial<Record<ListenerKind, number>> = {};

  constructor(
    @Inject(SMTP_IN_CONFIG) private readonly config: SmtpInConfig,
    bus: Bus,
    blobs: BlobStore,
    /** cluster-wide rates (ADR 0039); absent in the embedded mode */
    @Optional() @Inject(SharedCounters) private readonly counters?: SharedCounters,
  ) {
    this.logger = createLogger('smtp-in');
    this.recipients = new CachedRequester(bus, ResolveRecipient, { ttlMs: config.recipientCacheTtlMs ?? 30_000, maxEntries: 50_000, invalidatedBy: DirectoryChanged });
    this.connectors = new InboundConnectors(new ConnectorSet(bus, this.logger), this.recipients, this.logger, config.connectorsWaitMs, counters);
    this.policy = new SmtpSessionPolicy(config, bus, blobs, this.recipients, this.logger, this.connectors);
    honourExplicitEnhancedCodes();
    coalescePipelinedReplies();
    installChunking();
  }

  /** The ports actually bound (useful when configured as 0). */
  ports(): SmtpPorts {
    if (this.bound.mx === undefined || this.bound.submission === undefined) throw new Error('SMTP listeners are not started');
    return { mx: this.bound.mx, submission: this.bound.submission, ...(this.bound.submissions !== undefined ? { submissions: this.bound.submissions } : {}) };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<SmtpPorts> {
    const c = this.config;
    await this.recipients.start();
    await this.connectors.set.start();
    await this.policy.dmarc.start();
    await this.listen('mx', c.mxPort, { disabledCommands: ['AUTH'], authOptional: true, ...inboundConnectorTls(c, this.connectors) });
    await this.listen('submission', c.submissionPort, { authMethods: ['PLAIN', 'LOGIN'], allowInsecureAuth: c.allowPlaintextAuth });
    if (c.submissionsPort !== undefined) await this.listen('submissions', c.submissionsPort, { secure: true, authMethods: ['PLAIN', 'LOGIN'] });
    if (c.tlsFiles) {
      this.tlsWatch = watchTlsFiles(
        c.tlsFiles,
        (material) => {
          for (const server of this.servers.values()) server.updateSecureContext({ key: material.key, cert: material.cert });
          servedCertificateRenewed(material.cert);
          this.logger.info({ certFile: c.tlsFiles?.certFile }, 'TLS certificate reloaded');
        },
        (err) => this.logger.warn({ err: err.message }, 'TLS certificate not reloaded'),
      );
    }
    return this.ports();
  }

  /** Stops accepting sessions; open ones get `closeTimeoutMs` to finish, then a 421. */
  async stop(): Promise<void> {
    this.tlsWatch?.stop();
    for (const guard of this.guards.splice(0)) guard.close();
    this.connectors.close();
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await this.recipients.stop();
    await this.connectors.set.stop();
    await this.policy.dmarc.stop();
  }

  private async listen(kind: ListenerKind, port: number, extra: SMTPServerOptions): Promise<void> {
    const c = this.config;
    const guard = new SmtpConnectionGuard({
      listener: kind,
      limits: { maxConnections: c.maxConnections, maxPerClient: c.limits?.maxPerClient ?? 0, exempt: c.limits?.exempt, processMax: c.limits?.processMax },
      preMailDeadlineMs: c.limits?.preMailDeadlineMs ?? 300_000,
      rates: c.limits?.rates,
      counters: this.counters,
      logger: this.logger,
    });
    const gate = ProxyGate.of(c.proxy, { protocol: 'smtp', listener: kind, logger: this.logger });
    const server = new SMTPServer({
      name: c.hostname,
      // smtp-server writes `<name> ESMTP <banner>`: the keyword once (RFC 5321 §4.2)
      banner: 'ready',
      // the platform's one TLS policy (TLS 1.2+, AEAD/ECDHE only, handshake deadline): @mail/config tls-policy.ts
      ...serverTlsOptions(c.tls),
      size: c.maxMessageSize,
      // the guard refuses first (with metrics and a log line); this is smtp-server's own backstop
      maxClients: c.maxConnections + 1,
      hideENHANCEDSTATUSCODES: false,
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      // RFC 3461 (checked again and carried with the message: envelope-params.ts) and RFC 8689 (over TLS only)
      hideDSN: false,
      hideREQUIRETLS: false,
      // reverse DNS would stall every greeting on a host without a resolver; the IP literal is enough
      disableReverseLookup: true,
      closeTimeout: c.closeTimeoutMs ?? 10_000,
      logger: false,
      ...extra,
      // the gate in front has read (or refused) the balancer's header and hands smtp-server a v1 line for every socket
      ...(gate ? { useProxy: true } : {}),
      ...guard.wrap(this.policy.handlers(kind)),
    });
    guard.attach(server);
    this.guards.push(guard);
    if (gate) acceptThroughProxyGate(server, gate);
    server.on('error', (err: Error & { code?: string; meta?: { stage?: string; remoteAddress?: string } }) => {
      // smtp-server marks every TLS failure (implicit TLS, STARTTLS, a refused client certificate) with stage "connect":
      // routine on a public port, so counted and kept out of the warn log
      if (err.meta?.stage === 'connect') {
        const reason = tlsHandshakeFailureReason(err);
        tlsHandshakeFailed('smtp', reason);
        this.logger.debug({ listener: kind, reason, err: err.message, remote: err.meta.remoteAddress }, 'TLS handshake failed');
        return;
      }
      this.logger.warn({ listener: kind, err: err.message }, 'smtp listener error');
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.server.once('error', onError);
      server.listen(port, c.host, () => {
        server.server.off('error', onError);
        resolve();
      });
    });
    this.servers.set(kind, server);
    this.bound[kind] = (server.server.address() as AddressInfo).port;
    this.logger.info({ listener: kind, port: this.bound[kind] }, 'smtp listener started');
  }
}
