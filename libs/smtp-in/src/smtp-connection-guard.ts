import type { SMTPServer, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { armDeadline, clientKey, ClusterRateWindow, ConnectionLimiter, connectionMetrics, type ConnectionLimits, type SharedCounters } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import { smtpError } from './smtp-reply.js';

type Handlers = Pick<SMTPServerOptions, 'onConnect' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>;

/** What the guard needs of smtp-server's connection objects (public methods of SMTPConnection). */
interface LiveConnection {
  id: string;
  send(code: number, text: string): void;
  close(): void;
}

export interface SmtpRates {
  /** transactions (MAIL FROM) per client IPv4 address or IPv6 /64 per minute; 0: none */
  messagesPerMinute: number;
  /** accepted-or-not RCPT TO per client per minute; 0: none */
  recipientsPerMinute: number;
  /** RCPTs refused with 5xx in one connection before it is closed with 421; 0: none */
  failedRecipientsPerConnection: number;
}

export interface SmtpGuardOptions {
  listener: string;
  limits: ConnectionLimits;
  /** from connect to the first MAIL FROM */
  preMailDeadlineMs: number;
  rates?: SmtpRates;
  /** makes the message and recipient rates cluster-wide (ADR 0039) */
  counters?: SharedCounters;
  logger: Logger;
}

/**
 * The connection level of one SMTP listener: the listener, process and per-client limits
 * (answered `421 4.7.0` before the greeting) and an absolute deadline to reach MAIL FROM, so a
 * client trickling one byte at a time cannot hold a slot forever. Counting is done in onConnect,
 * after a PROXY header (when one is used) has told the real client address.
 */
export class SmtpConnectionGuard {
  private readonly limiter: ConnectionLimiter;
  private readonly releases = new Map<string, () => void>();
  private readonly waitingForMail = new Map<string, () => void>();
  private readonly failedRecipients = new Map<string, number>();
  private readonly messages: ClusterRateWindow;
  private readonly recipients: ClusterRateWindow;
  private server: SMTPServer | undefined;

  constructor(private readonly options: SmtpGuardOptions) {
    this.limiter = new ConnectionLimiter({ protocol: 'smtp', listener: options.listener, logger: options.logger, ...options.limits });
    const rate = (what: string) => new ClusterRateWindow({ name: `smtp.${options.listener}.${what}`, windowMs: 60_000, store: options.counters, logger: options.logger });
    this.messages = rate('messages');
    this.recipients = rate('recipients');
    for (const limit of ['messages', 'recipients', 'failed_recipients']) connectionMetrics().rateLimited.add(0, { protocol: 'smtp', listener: options.listener, limit });
  }

  /** stops the rate windows' exchanges with the shared counters */
  close(): void {
    this.messages.close();
    this.recipients.close();
  }

  /** the server whose connections a deadline closes */
  attach(server: SMTPServer): void {
    this.server = server;
  }

  wrap(inner: Handlers): Handlers {
    return {
      ...inner,
      onConnect: (session, cb) => {
        const admission = this.limiter.admit(session.remoteAddress);
        if (!admission.ok) {
          const why = admission.limit === 'client' ? 'too many connections from your address' : 'too many connections';
          return cb(smtpError(421, `4.7.0 ${why}, try again later`));
        }
        this.releases.set(session.id, admission.release);
        this.armDeadline(session);
        if (inner.onConnect) inner.onConnect(session, cb);
        else cb();
      },
      onMailFrom: (address, session, cb) => {
        this.waitingForMail.get(session.id)?.();
        const rates = this.options.rates;
        if (rates?.messagesPerMinute && this.counted(session) && !this.messages.tryAdd(clientKey(session.remoteAddress), rates.messagesPerMinute)) {
          this.rateLimited('messages', session);
          return cb(smtpError(450, '4.7.1 too many messages from your address, try again later'));
        }
        if (inner.onMailFrom) inner.onMailFrom(address, session, cb);
        else cb();
      },
      onRcptTo: (address, session, cb) => {
        const rates = this.options.rates;
        if (rates?.recipientsPerMinute && this.counted(session) && !this.recipients.tryAdd(clientKey(session.remoteAddress), rates.recipientsPerMinute)) {
          this.rateLimited('recipients', session);
          return cb(smtpError(450, '4.7.1 too many recipients from your address, try again later'));
        }
        const done = (err?: Error | null) => {
          if (err && ((err as { responseCode?: number }).responseCode ?? 0) >= 500 && this.tooManyFailures(session)) {
            // a recipient harvester: say why once, then hang up
            this.rateLimited('failed_recipients', session);
            cb(smtpError(421, '4.7.0 too many unknown recipients, closing connection'));
            setImmediate(() => this.find(session.id)?.close());
            return;
          }
          cb(err ?? undefined);
        };
        if (inner.onRcptTo) inner.onRcptTo(address, session, done);
        else done();
      },
      onClose: (session, server) => {
        this.waitingForMail.get(session.id)?.();
        this.releases.get(session.id)?.();
        this.releases.delete(session.id);
        this.failedRecipients.delete(session.id);
        inner.onClose?.(session, server);
      },
    };
  }

  /** exempt networks (loopback by default) are not held to per-client rates */
  private counted(session: SMTPServerSession): boolean {
    return !this.options.limits.exempt?.has(session.remoteAddress);
  }

  private tooManyFailures(session: SMTPServerSession): boolean {
    const max = this.options.rates?.failedRecipientsPerConnection ?? 0;
    if (!max || !this.counted(session)) return false;
    const n = (this.failedRecipients.get(session.id) ?? 0) + 1;
    this.failedRecipients.set(session.id, n);
    return n >= max;
  }

  private rateLimited(limit: string, session: SMTPServerSession): void {
    connectionMetrics().rateLimited.add(1, { protocol: 'smtp', listener: this.options.listener, limit });
    this.options.logger.debug({ listener: this.options.listener, session: session.id, remote: session.remoteAddress, limit }, 'smtp rate limit');
  }

  private armDeadline(session: SMTPServerSession): void {
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.waitingForMail.set(session.id, () => {
      this.waitingForMail.delete(session.id);
      settle();
    });
    armDeadline({
      protocol: 'smtp',
      ms: this.options.preMailDeadlineMs,
      pending: () => this.waitingForMail.has(session.id),
      expire: () => {
        this.waitingForMail.delete(session.id);
        const connection = this.find(session.id);
        this.options.logger.debug({ listener: this.options.listener, session: session.id, remote: session.remoteAddress }, 'smtp connection closed: no MAIL FROM before the deadline');
        connection?.send(421, '4.4.2 too slow: no mail transaction started in time, closing connection');
        connection?.close();
      },
      closed: done,
    });
  }

  private find(id: string): LiveConnection | undefined {
    const connections = (this.server as unknown as { connections?: Set<LiveConnection> } | undefined)?.connections;
    for (const c of connections ?? []) if (c.id === id) return c;
    return undefined;
  }
}
