import type { TLSSocket } from 'node:tls';
import type { SMTPServerSession } from 'smtp-server';
import type { CachedRequester } from '@mail/bus';
import type { ResolveRecipient } from '@mail/contracts';
import {
  ConnectorSet,
  authenticationSubject,
  connectorMetrics,
  decideInbound,
  domainOf,
  grantsOf,
  plainIp,
  type ConnectorGrants,
  type InboundConnector,
} from '@mail/connector-rules';
import type { Logger } from '@mail/telemetry';
import { ClusterRateWindow, type SharedCounters } from '@mail/limits';
import { setInboundTrust } from './inbound-trust.js';
import { smtpError } from './smtp-reply.js';

/** What a verified client certificate and the TLS session say; kept per SMTP session. */
interface TlsPeer {
  version?: string;
  /** CN and DNS SANs of a certificate that verified; empty without one (or one that did not) */
  certificateNames: string[];
}

/** The connector a mail transaction was attributed to, and what it grants. */
export interface ConnectorAttribution {
  connector: InboundConnector;
  grants: ConnectorGrants;
}

const TEMPFAIL = '4.3.0 temporary failure, try again later';

/**
 * Inbound connectors on the MX listener (Exchange's inbound connector attribution): who the
 * client is (IP, verified certificate), which connector the transaction falls under at MAIL FROM,
 * and what follows from it: a refusal naming the connector, relaying allowed (onPremises, relay),
 * the sender-authentication subject for the SPF/DMARC checks (InboundTrust), the relay rules
 * (hosted sender, rate per IP), the connector's size limit, and the name that marks the message.
 */
export class InboundConnectors {
  private readonly peers = new WeakMap<SMTPServerSession, TlsPeer>();
  private readonly attributions = new WeakMap<object, ConnectorAttribution>();
  /** relay connectors' maxMessagesPerMinute per client IP, across the smtp-in replicas (ADR 0039) */
  private readonly rates: ClusterRateWindow;
  /** one warning per replica while the first snapshot is missing, not one per MAIL FROM */
  private warnedNotLoaded = false;

  constructor(
    readonly set: ConnectorSet,
    private readonly recipients: CachedRequester<typeof ResolveRecipient>,
    private readonly logger: Logger,
    /** how long MAIL FROM waits for the first connector snapshot */
    private readonly waitMs = 5_000,
    counters?: SharedCounters,
  ) {
    this.rates = new ClusterRateWindow({ name: 'relay', windowMs: 60_000, store: counters, logger });
  }

  close(): void {
    this.rates.close();
  }

  /** smtp-server's onSecure: remembers the TLS version and the names of a client certificate that verified */
  onSecure(socket: TLSSocket, session: SMTPServerSession): void {
    let certificateNames: string[] = [];
    if (socket.authorized) {
      const cert = socket.getPeerCertificate();
      const names = new Set<string>();
      const cn = cert?.subject?.CN;
      for (const n of Array.isArray(cn) ? cn : cn ? [cn] : []) names.add(n.toLowerCase());
      for (const part of (cert?.subjectaltname ?? '').split(',')) {
        const m = /^\s*DNS:(.+)$/.exec(part);
        if (m) names.add(m[1].trim().toLowerCase());
      }
      certificateNames = [...names];
    }
    this.peers.set(session, { version: socket.getProtocol() ?? undefined, certificateNames });
  }

  /** MAIL FROM on the MX listener: attributes the transaction, or throws the refusal that names the connector. */
  async atMailFrom(session: SMTPServerSession, from: string): Promise<void> {
    if (!this.set.loaded && !(await this.set.whenLoaded(this.waitMs))) {
      // mail accepted now would skip every connector's rules (a partner's required TLS, a relay's
      // IP list): the sender retries, as for any temporary failure
      if (!this.warnedNotLoaded) this.logger.warn({ session: session.id, remote: session.remoteAddress }, 'MX mail deferred (451) until the connectors are loaded');
      this.warnedNotLoaded = true;
      throw smtpError(451, '4.3.0 connector rules not loaded yet, try again later');
    }
    const peer = this.peers.get(session);
    const ip = plainIp(session.remoteAddress);
    const client = { ip, tls: !!session.secure, certificateNames: session.secure ? (peer?.certificateNames ?? []) : [] };
    const decision = decideInbound(this.set.inbound(), client, domainOf(from));
    if (decision.kind === 'refuse') {
      connectorMetrics.refusal(decision.connector, 'inbound', decision.reason);
      this.logger.info({ session: session.id, connector: decision.connector, reason: decision.reason, remote: ip, from }, 'refused by inbound connector');
      throw Object.assign(smtpError(decision.code, decision.text), { connector: decision.connector });
    }
    if (decision.kind === 'none') {
      setInboundTrust(session, { verify: true, ip: session.remoteAddress, source: 'internet' });
      return;
    }
    const c = decision.connector;
    const grants = grantsOf(c);
    if (grants.senderMustBeHosted) {
      if (!from || !(await this.isHosted(from))) {
        connectorMetrics.refusal(c.name, 'inbound', 'sender_not_hosted');
        throw Object.assign(smtpError(550, `5.7.1 connector "${c.name}" relays only for senders in a hosted domain`), { connector: c.name });
      }
      const limit = c.record.maxMessagesPerMinute;
      if (limit && !this.rates.tryAdd(`${c.name}\n${ip}`, limit)) {
        connectorMetrics.refusal(c.name, 'inbound', 'rate_limited');
        throw Object.assign(smtpError(451, `4.7.0 connector "${c.name}": more than ${limit} messages per minute from ${ip}, try again later`), { connector: c.name });
      }
    }
    const subject = authenticationSubject(c, session.remoteAddress, []);
    setInboundTrust(session, {
      verify: !subject.skip,
      ip: session.remoteAddress,
      source: 'connector',
      // behind a filter the checks judge the first IP before it, read from the message's own Received chain
      ...(c.type === 'filter' ? { ipFromReceived: (received: string[]) => (authenticationSubject(c, session.remoteAddress, received) as { ip: string }).ip } : {}),
    });
    this.attributions.set(session.envelope, { connector: c, grants });
  }

  /** the transaction's connector, if one took it */
  attribution(session: SMTPServerSession): ConnectorAttribution | undefined {
    return this.attributions.get(session.envelope);
  }

  /** RCPT to a remote address: onPremises and relay connectors may send anywhere */
  mayRelay(session: SMTPServerSession): boolean {
    return this.attribution(session)?.grants.mayRelay ?? false;
  }

  /** the smaller of the global limit and the connector's */
  maxMessageSize(session: SMTPServerSession, globalMax: number): number {
    const own = this.attribution(session)?.connector.record.maxMessageSize;
    return own ? Math.min(own, globalMax) : globalMax;
  }

  /** After DATA: a relay connector's message needs a header From in a hosted domain too. */
  async checkHeaderFrom(session: SMTPServerSession, from: string[]): Promise<void> {
    const a = this.attribution(session);
    if (!a?.grants.senderMustBeHosted) return;
    const hosted = from.length > 0 && (await Promise.all(from.map((f) => this.isHosted(f)))).every(Boolean);
    if (!hosted) {
      connectorMetrics.refusal(a.connector.name, 'inbound', 'sender_not_hosted');
      throw smtpError(550, `5.7.1 connector "${a.connector.name}" relays only messages whose From: is in a hosted domain`);
    }
  }

  /** the message was queued: counted per connector (messages, bytes, TLS version) */
  accepted(session: SMTPServerSession, bytes: number): void {
    const a = this.attribution(session);
    if (!a) return;
    connectorMetrics.message(a.connector.name, 'inbound', 'accepted', bytes);
    connectorMetrics.tls(a.connector.name, 'inbound', session.secure ? this.peers.get(session)?.version : undefined);
  }

  /** a domain is hosted when the directory does not call an address in it remote */
  private async isHosted(address: string): Promise<boolean> {
    try {
      return (await this.recipients.request({ address })).kind !== 'remote';
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'directory unavailable for the relay connector check');
      throw smtpError(451, TEMPFAIL);
    }
  }
}
