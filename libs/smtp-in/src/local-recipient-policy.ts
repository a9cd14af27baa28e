import type { ResponseOf, ResolveRecipient } from '@mail/contracts';
import { smtpMetrics } from './smtp-in-metrics.js';
import { smtpError } from './smtp-reply.js';

type LocalResolution = Extract<ResponseOf<typeof ResolveRecipient>, { kind: 'local' }>;

/**
 * RCPT-time rules for an address that resolved to local mailboxes: groups closed to the outside.
 * Throws the smtp-server error to answer; returns when the recipient is accepted.
 */
export class LocalRecipientPolicy {
  async check(rcpt: string, resolution: LocalResolution, sender: { hostedSender: boolean }): Promise<void> {
    if (resolution.hostedSendersOnly && !sender.hostedSender) {
      smtpMetrics.rejected('group_restricted');
      throw smtpError(550, `5.7.1 <${rcpt}>: only senders of this organisation may write to this group`);
    }
  }
}
