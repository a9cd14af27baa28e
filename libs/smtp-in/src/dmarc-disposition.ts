import type { DmarcEnforcement } from '@mail/contracts';
import type { DmarcVerdict } from './message-authentication.js';

export interface DmarcDisposition {
  /** refuse the whole message at end of DATA */
  refuse: boolean;
  /** recipients whose copy goes to their Junk mailbox */
  junk: string[];
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * What the sender domain's DMARC policy does to a message that failed DMARC, per recipient, as
 * each recipient domain's setting allows: `enforce` (the default, and for a domain we do not know)
 * applies the policy, `report-only` delivers normally. One SMTP reply answers for every recipient
 * after DATA, so the message is refused only when every recipient would refuse it; a recipient
 * that would refuse it while others take it gets it in Junk instead (never silently dropped).
 */
export function dmarcDisposition(verdict: DmarcVerdict, recipients: string[], enforcement: (domain: string) => DmarcEnforcement | undefined): DmarcDisposition {
  if (verdict.result !== 'fail' || verdict.policy === 'none' || !recipients.length) return { refuse: false, junk: [] };
  const enforced = recipients.filter((r) => (enforcement(domainOf(r)) ?? 'enforce') === 'enforce');
  if (verdict.policy === 'reject' && enforced.length === recipients.length) return { refuse: true, junk: [] };
  return { refuse: false, junk: enforced };
}

/** The recipient domains whose setting the disposition needs, or none when it needs no setting. */
export function domainsToAsk(verdict: DmarcVerdict, recipients: string[]): string[] {
  if (verdict.result !== 'fail' || verdict.policy === 'none') return [];
  return [...new Set(recipients.map(domainOf))];
}
