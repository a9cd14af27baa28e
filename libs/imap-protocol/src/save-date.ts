import { formatDateTime } from './date-time.js';

/**
 * The FETCH attribute `SAVEDATE "date-time"` (RFC 8514 4.1): when the message was put in this
 * mailbox, in UTC as INTERNALDATE is; `SAVEDATE NIL` for a mailbox that keeps no save dates.
 */
export function saveDateAttribute(date: Date | null): string {
  return date === null ? 'SAVEDATE NIL' : `SAVEDATE "${formatDateTime(date)}"`;
}
