import { Bus } from '@mail/bus';
import { MessageTracked, type EventOf } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';

type TrackEvent = EventOf<typeof MessageTracked>['event'];

/** Publishes message-trace events; losing one never affects delivery. */
export class Tracker {
  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  track(event: TrackEvent, m: { queueId: string; messageId: string | null; sender: string }, recipient?: string, detail?: string): void {
    this.bus
      .publish(MessageTracked, {
        event,
        at: new Date().toISOString(),
        queueId: m.queueId,
        messageId: m.messageId,
        sender: m.sender,
        recipient,
        detail: detail?.slice(0, 1000),
        service: 'delivery',
      })
      .catch((err) => this.logger.warn({ err: String(err), event }, 'could not publish a tracking event'));
  }
}
