import type { Bus } from '@mail/bus';
import { GetAccountUsage, type ResponseOf, type ResolveRecipient } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { smtpMetrics } from './smtp-in-metrics.js';
import { smtpError } from './smtp-reply.js';

type LocalResolution = Extract<ResponseOf<typeof ResolveRecipient>, { kind: 'local' }>;

export interface SenderFacts {
  /** an authenticated session on submission: a sender of this platform */
  hostedSender: boolean;
  /** the SIZE the client declared with MAIL FROM (RFC 1870), if any */
  declaredSize?: number;
}

/**
 * RCPT-time rules for an address that resolved to local mailboxes: groups closed to the outside,
 * and full mailboxes. Throws the smtp-server error to answer; returns when the recipient is accepted.
 */
export class LocalRecipientPolicy {
  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  async check(rcpt: string, resolution: LocalResolution, sender: SenderFacts): Promise<void> {
    if (resolution.hostedSendersOnly && !sender.hostedSender) {
      smtpMetrics.rejected('group_restricted');
      throw smtpError(550, `5.7.1 <${rcpt}>: only senders of this organisation may write to this group`);
    }
    await this.checkQuota(rcpt, resolution, sender.declaredSize ?? 0);
  }

  /**
   * Refused only when every mailbox the address reaches is full: a group with one full member
   * still takes the mail (that member's copy then waits or bounces at delivery, per its domain).
   * Only accounts with limits cost a store request; a store that does not answer lets the mail in,
   * since delivery checks again and the queue is the better place to wait.
   */
  private async checkQuota(rcpt: string, resolution: LocalResolution, declaredSize: number): Promise<void> {
    const targets = resolution.deliverTo;
    if (!targets.length || resolution.forwardTo.length || targets.some((t) => !t.quota)) return;
    let usage;
    try {
      usage = new Map((await this.bus.request(GetAccountUsage, { accountIds: targets.map((t) => t.accountId) })).accounts.map((a) => [a.accountId, a]));
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), rcpt }, 'quota check unavailable; accepting');
      return;
    }
    const full = targets.every((t) => {
      const used = usage.get(t.accountId);
      const q = t.quota;
      if (!used || !q) return false;
      return (q.bytes != null && used.bytes + Math.max(declaredSize, 1) > q.bytes) || (q.messages != null && used.messages >= q.messages);
    });
    if (!full) return;
    smtpMetrics.rejected('over_quota');
    if (targets.every((t) => t.quota?.overQuota === 'reject')) throw smtpError(552, `5.2.2 <${rcpt}>: mailbox full`);
    throw smtpError(452, `4.2.2 <${rcpt}>: mailbox full, try again later`);
  }
}
