import type { OutboundConnector } from './compiled-connector.js';
import { bestMatch } from './domain-pattern.js';

/**
 * The outbound connector for a remote recipient domain: of the enabled connectors whose
 * recipientDomains match it, the one with the most specific pattern (an exact domain beats
 * `*.domain`, which beats `*`). `*` stands for every domain that is not ours: delivery only asks
 * for remote recipients. Undefined: MX delivery as without connectors.
 */
export function selectOutbound(connectors: readonly OutboundConnector[], domain: string): OutboundConnector | undefined {
  let best: OutboundConnector | undefined;
  let specificity = -1;
  for (const c of connectors) {
    if (!c.record.enabled) continue;
    const m = bestMatch(c.record.recipientDomains ?? [], domain);
    if (m && m.specificity > specificity) {
      best = c;
      specificity = m.specificity;
    }
  }
  return best;
}
