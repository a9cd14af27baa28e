import { DEFAULT_RETRY_SCHEDULE } from './delivery.config.js';

/** Delay before attempt `attempts + 1`, after `attempts` failed ones (the schedule's last step repeats). */
export function retryDelayMs(attempts: number, schedule: number[] = DEFAULT_RETRY_SCHEDULE): number {
  const steps = schedule.length ? schedule : DEFAULT_RETRY_SCHEDULE;
  return steps[Math.min(Math.max(attempts, 1), steps.length) - 1];
}

export function isExpired(receivedAt: Date, expiryHours: number, now = new Date()): boolean {
  return now.getTime() - receivedAt.getTime() >= expiryHours * 3_600_000;
}

/** The enhanced status code (RFC 3463) in a reply text, or a default by class. */
export function enhancedStatus(text: string, permanent: boolean): string {
  const m = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text);
  return m ? m[1] : permanent ? '5.0.0' : '4.0.0';
}
