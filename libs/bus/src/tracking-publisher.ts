import { MAX_TRACKED_STEPS, MessageTracked, type TrackedStep } from '@mail/contracts';
import type { Logger } from 'pino';
import type { Bus } from './bus.port.js';

/**
 * Publishes message-trace steps (tracking.message.v2) for any service; losing one never affects the
 * mail. The steps of one event-loop turn go out together, in one event (a delivery batch, the
 * messages one queue write accepted, a burst of refused recipients): one bus message instead of
 * one per step.
 */
export class TrackingPublisher {
  private pending: TrackedStep[] = [];
  private scheduled = false;

  constructor(
    private readonly bus: Bus,
    private readonly logger?: Logger,
  ) {}

  add(step: TrackedStep): void {
    this.pending.push(step.detail && step.detail.length > 1000 ? { ...step, detail: step.detail.slice(0, 1000) } : step);
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
    this.bus.publish(MessageTracked, { steps }).catch((err) => this.logger?.warn({ err: String(err), steps: steps.length }, 'could not publish tracking steps'));
  }
}

/** The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`), if it holds one. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  const id = traceparent?.split('-')[1];
  return id && /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id) ? id : undefined;
}
