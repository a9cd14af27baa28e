import { TrackingPublisher, traceIdOf, type Bus } from '@mail/bus';
import type { TrackedStep } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import type { QueuedMessage } from './queue.records.js';

/** Which message a step belongs to (see traceRef). */
export interface TrackedMessage {
  queueId: string;
  messageId: string | null;
  sender: string;
  /** smtp-in's transaction id when the message came through smtp-in; else the queue id */
  traceKey?: string;
  traceId?: string;
}

/** What a step may say beyond its event, recipient and detail. */
export type StepExtras = Pick<TrackedStep, 'connector' | 'remoteHost' | 'nextAttemptAt' | 'clientIp'> & { service?: string };

/** The trace identity of a queued message: the steps smtp-in published before it was queued share it. */
export function traceRef(m: QueuedMessage): TrackedMessage {
  return { queueId: m.id, messageId: m.messageId, sender: m.mailFrom, traceKey: m.source.session, traceId: traceIdOf(m.traceparent) };
}

/** Publishes delivery's message-trace steps; losing one never affects delivery. */
export class Tracker {
  private readonly publisher: TrackingPublisher;

  constructor(bus: Bus, logger: Logger) {
    this.publisher = new TrackingPublisher(bus, logger);
  }

  track(event: TrackedStep['event'], m: TrackedMessage, recipient?: string, detail?: string, extras: StepExtras = {}): void {
    const { service = 'delivery', ...rest } = extras;
    this.publisher.add({
      event,
      at: new Date().toISOString(),
      queueId: m.queueId,
      traceKey: m.traceKey,
      traceId: m.traceId,
      messageId: m.messageId,
      sender: m.sender,
      recipient,
      detail,
      service,
      ...rest,
    });
  }
}
