import { trace } from '@opentelemetry/api';
import type { SMTPServerSession } from 'smtp-server';
import { TrackingPublisher, type Bus } from '@mail/bus';
import type { Logger } from '@mail/telemetry';

/** smtp-in's id of one mail transaction: the session id and the transaction's number in it. */
export function transactionId(session: SMTPServerSession): string {
  return `${session.id}.${session.transaction ?? 0}`;
}

/**
 * Message trace for what smtp-in refuses: a recipient at RCPT, the whole message at DATA, or the
 * sender at MAIL FROM when an inbound connector refuses it. A
 * refused message never reaches the queue, so these steps are the only trace it leaves. They carry
 * the transaction id as their trace key, which the enqueue hands over too (`source.session`), so a
 * message accepted for some recipients and refused for others is one message in the trace.
 */
export class RefusalTrace {
  private readonly publisher: TrackingPublisher;

  constructor(bus: Bus, logger: Logger) {
    this.publisher = new TrackingPublisher(bus, logger);
  }

  recipient(session: SMTPServerSession, recipient: string, err: unknown, connector?: string): void {
    this.step(session, recipient, `RCPT TO refused: ${reply(err)}`, connector);
  }

  /** MAIL FROM refused by an inbound connector's rule: no recipient yet, the step is the whole message's */
  sender(session: SMTPServerSession, from: string, err: unknown, connector: string): void {
    this.step(session, undefined, `MAIL FROM refused: ${reply(err)}`, connector, from);
  }

  /** one step per recipient the message was for: each of them ends here */
  message(session: SMTPServerSession, err: unknown, connector?: string): void {
    const detail = `DATA refused: ${reply(err)}`;
    for (const r of session.envelope.rcptTo) this.step(session, r.address, detail, connector);
  }

  private step(session: SMTPServerSession, recipient: string | undefined, detail: string, connector?: string, from?: string): void {
    const traceId = trace.getActiveSpan()?.spanContext().traceId;
    this.publisher.add({
      event: 'rejected',
      at: new Date().toISOString(),
      traceKey: transactionId(session),
      traceId: traceId && !/^0+$/.test(traceId) ? traceId : undefined,
      messageId: null,
      sender: (from ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : '')).slice(0, 320),
      recipient: recipient?.slice(0, 320),
      detail,
      service: 'smtp-in',
      clientIp: session.remoteAddress?.slice(0, 64),
      connector,
    });
  }
}

/** "550 5.1.1 <x@y>: recipient not found": the reply the client was given */
function reply(err: unknown): string {
  const e = err as { responseCode?: number; message?: string };
  return `${e.responseCode ?? 451} ${e.message ?? String(err)}`.slice(0, 900);
}
