import { CachedRequester, type Bus } from '@mail/bus';
import { DirectoryChanged, DomainName, GetDomainPolicies, type DmarcEnforcement } from '@mail/contracts';
import { dmarcDisposition, domainsToAsk, type DmarcDisposition } from './dmarc-disposition.js';
import type { MessageAuthentication } from './message-authentication.js';
import { headerSafe } from '@mail/intake';

export interface DmarcDecision extends DmarcDisposition {
  /** extra trace header for the stored message ('' for none), ending in CRLF */
  marker: string;
}

/**
 * Turns a verdict into what happens to the message, with the hosted domains' settings from the
 * directory (cached; emptied when a domain changes): the DMARC disposition, and a mark on mail
 * that claims a hosted domain as its author but came from the internet without passing DMARC
 * (nobody of ours sent it: our users submit, our servers relay through connectors).
 */
export class DmarcEnforcer {
  private readonly policies: CachedRequester<typeof GetDomainPolicies>;

  constructor(bus: Bus, ttlMs = 30_000) {
    this.policies = new CachedRequester(bus, GetDomainPolicies, { ttlMs, maxEntries: 10_000, invalidatedBy: DirectoryChanged });
  }

  start(): Promise<void> {
    return this.policies.start();
  }

  stop(): Promise<void> {
    return this.policies.stop();
  }

  /** Directory errors propagate when a policy decision needs the directory: the caller answers 4xx. */
  async decide(auth: MessageAuthentication, recipients: string[]): Promise<DmarcDecision> {
    // a domain the directory could not hold (an IDN in UTF-8) is not hosted: it enforces
    const ask = domainsToAsk(auth.dmarc, recipients).filter((d) => DomainName.safeParse(d).success);
    const settings = new Map<string, DmarcEnforcement>();
    if (ask.length) {
      for (let i = 0; i < ask.length; i += 100) {
        const { domains } = await this.policies.request({ domains: ask.slice(i, i + 100) });
        for (const d of domains) settings.set(d.name, d.dmarcPolicy);
      }
    }
    const disposition = dmarcDisposition(auth.dmarc, recipients, (d) => settings.get(d));
    return { ...disposition, marker: await this.marker(auth) };
  }

  private async marker(auth: MessageAuthentication): Promise<string> {
    const domain = auth.fromDomain;
    if (!domain || auth.dmarc.result === 'pass' || !DomainName.safeParse(domain).success) return '';
    let hosted: boolean;
    try {
      hosted = (await this.policies.request({ domains: [domain] })).domains.length > 0;
    } catch {
      return ''; // a mark is advice; a directory hiccup must not hold the message
    }
    return hosted ? `X-Hosted-Sender-Unverified: ${headerSafe(domain)} (hosted here, but this message came from the internet with dmarc=${headerSafe(auth.dmarc.result, 20)})\r\n` : '';
  }
}
