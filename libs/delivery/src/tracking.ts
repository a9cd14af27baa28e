import { Bus } from '@mail/bus';
import { MAX_TRACKED_STEPS, MessageTracked, type TrackedStep } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';

/**
 * Publishes message-trace steps; losing one never affects delivery. The steps of one event-loop
 * turn go out together, in one event (a batch delivered, a queue write's messages accepted).
 */
export class Tracker {
  private pending: TrackedStep[] = [];
  private scheduled = false;

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  track(event: TrackedStep['event'], m: { queueId: string; messageId: string | null; sender: string }, recipient?: string, detail?: string, connector?: string): void {
    this.pending.push({
      event,
      at: new Date().toISOString(),
      queueId: m.queueId,
      messageId: m.messageId,
      sender: m.sender,
      recipient,
      detail: detail?.slice(0, 1000),
      service: 'delivery',
      ...(connector ? { connector } : {}),
    });
    if (this.pending.length >= MAX_TRACKED_STEPS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** publishes what is pending: when the turn ends, or at once when a full event's worth waits */
  private flush(): void {
    this.scheduled = false;
    const steps = this.pending;
    if (!steps.length) return;
    this.pending = [];
    this.bus.publish(MessageTracked, { steps }).catch((err) => this.logger.warn({ err: String(err), steps: steps.length }, 'could not publish tracking steps'));
  }
}
