import type { EnvelopeParams } from '@mail/contracts';

/** The RFC 3461 parameters a message was accepted with (smtp-in carries them into the queue row). */
export type DsnEnvelope = EnvelopeParams;

export type DsnKind = 'failure' | 'delay' | 'success';

export function envelopeOf(message: { envelope?: EnvelopeParams | null }): DsnEnvelope | null {
  return message.envelope ?? null;
}

/**
 * Whether the sender asked for (or, by default, gets) a report of this kind for this recipient
 * (RFC 3461 §4.1): NEVER silences all; a NOTIFY list names the kinds wanted; without NOTIFY,
 * failures and delays are reported and successes are not. A message from the null sender never
 * gets one (RFC 5321 §4.5.5, RFC 3464 §2.1: no report about a report).
 */
export function wantsDsn(kind: DsnKind, mailFrom: string, envelope: DsnEnvelope | null, recipient: string): boolean {
  if (mailFrom === '') return false;
  const notify = envelope?.recipients?.[recipient]?.notify;
  if (!notify) return kind !== 'success';
  if (notify.includes('NEVER')) return false;
  return notify.includes(kind === 'failure' ? 'FAILURE' : kind === 'delay' ? 'DELAY' : 'SUCCESS');
}

/** ORCPT as RFC 3464 §2.3.1 wants it in Original-Recipient: `addr-type; address` */
export function originalRecipient(envelope: DsnEnvelope | null, recipient: string): string | undefined {
  const orcpt = envelope?.recipients?.[recipient]?.orcpt;
  if (!orcpt) return undefined;
  const semi = orcpt.indexOf(';');
  return semi > 0 ? `${orcpt.slice(0, semi).trim()}; ${orcpt.slice(semi + 1).trim()}` : `rfc822; ${orcpt}`;
}
