import type { TraceStatus, TrackedEvent } from '@mail/contracts';

const PENDING = new Set<string>(['received', 'queued', 'expanded', 'deferred']);
const DELIVERED = new Set<string>(['delivered', 'relayed']);

/**
 * A message's status from its steps in order (time, then recording order): each recipient's latest
 * step counts. Every recipient refused at SMTP (or the sender, before any recipient) → refused; any still on its way → pending; all
 * delivered → delivered; some → partial; else failed. The same rules as the SQL the status filter
 * uses (trace-query.ts), which the repository spec holds together.
 */
export function statusOf(steps: Array<{ event: TrackedEvent | string; recipient: string | null }>): TraceStatus {
  const latest = new Map<string, string>();
  for (const s of steps) if (s.recipient) latest.set(s.recipient, s.event);
  const last = [...latest.values()];
  // refused before any recipient (an inbound connector's rule at MAIL FROM)
  if (!last.length) return steps.some((s) => s.event === 'rejected') ? 'refused' : 'pending';
  if (last.every((e) => e === 'rejected')) return 'refused';
  if (last.some((e) => PENDING.has(e))) return 'pending';
  if (last.every((e) => DELIVERED.has(e))) return 'delivered';
  if (last.some((e) => DELIVERED.has(e))) return 'partial';
  return 'failed';
}
