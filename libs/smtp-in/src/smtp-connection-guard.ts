import type { SMTPServer, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { armDeadline, ConnectionLimiter, type ConnectionLimits } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import { smtpError } from './smtp-reply.js';

type Handlers = Pick<SMTPServerOptions, 'onConnect' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>;

/** What the guard needs of smtp-server's connection objects (public methods of SMTPConnection). */
interface LiveConnection {
  id: string;
  send(code: number, text: string): void;
  close(): void;
}

export interface SmtpGuardOptions {
  listener: string;
  limits: ConnectionLimits;
  /** from connect to the first MAIL FROM */
  preMailDeadlineMs: number;
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
  private server: SMTPServer | undefined;

  constructor(private readonly options: SmtpGuardOptions) {
    this.limiter = new ConnectionLimiter({ protocol: 'smtp', listener: options.listener, logger: options.logger, ...options.limits });
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
        if (inner.onMailFrom) inner.onMailFrom(address, session, cb);
        else cb();
      },
      onClose: (session, server) => {
        this.waitingForMail.get(session.id)?.();
        this.releases.get(session.id)?.();
        this.releases.delete(session.id);
        inner.onClose?.(session, server);
      },
    };
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
