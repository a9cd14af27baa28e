import { metrics, type Counter } from '@opentelemetry/api';

export type RejectReason =
  | 'unknown_recipient'
  | 'relay_denied'
  | 'too_many_recipients'
  | 'bad_address'
  | 'sender_not_owned'
  | 'too_large'
  | 'temporary_failure'
  | 'auth_failed'
  | 'group_restricted'
  | 'over_quota'
  | 'srs_invalid'

  | 'dmarc_reject';

let counters: { sessions: Counter; accepted: Counter; rejected: Counter; dmarc: Counter } | undefined;

/** Created on first use so they bind to the meter provider telemetry registered at start-up. */
function get() {
  if (!counters) {
    const meter = metrics.getMeter('smtp-in');
    counters = {
      sessions: meter.createCounter('mail_smtp_sessions_total', { description: 'SMTP sessions opened, by listener' }),
      accepted: meter.createCounter('mail_smtp_messages_accepted_total', { description: 'Messages queued after DATA' }),
      rejected: meter.createCounter('mail_smtp_messages_rejected_total', { description: 'Refused commands and messages, by reason' }),
      dmarc: meter.createCounter('mail_smtp_dmarc_total', { description: 'Messages from the internet by DMARC result and what was done (deliver, junk, reject)' }),
    };
  }
  return counters;
}

export const smtpMetrics = {
  session: (listener: string) => get().sessions.add(1, { listener }),
  accepted: () => get().accepted.add(1),
  rejected: (reason: RejectReason) => get().rejected.add(1, { reason }),
  dmarc: (result: string, action: 'deliver' | 'junk' | 'reject') => get().dmarc.add(1, { result, action }),
};
