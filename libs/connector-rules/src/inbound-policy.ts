import type { InboundConnector } from './compiled-connector.js';
import { bestMatch, certificateNameMatches } from './domain-pattern.js';
import { originalClientIp } from './received-chain.js';

/** What smtp-in knows of the client when MAIL FROM arrives. */
export interface InboundClient {
  ip: string;
  tls: boolean;
  /** CN and DNS SANs of a client certificate that verified against TLS_CLIENT_CA_FILE or the system CAs; empty without one */
  certificateNames: readonly string[];
}

export type InboundDecision =
  /** no connector concerns this client or sender: an anonymous MX client, as without connectors */
  | { kind: 'none' }
  /** a connector's rule is not met: the message is refused with this reply, which names the connector */
  | { kind: 'refuse'; connector: string; code: number; text: string; reason: RefusalReason }
  | { kind: 'accept'; connector: InboundConnector; via: 'client' | 'senderDomain' };

export type RefusalReason = 'tls_required' | 'ip_not_allowed' | 'certificate_required' | 'sender_not_hosted';

const TYPE_ORDER: Record<InboundConnector['type'], number> = { onPremises: 0, filter: 1, partner: 2, relay: 3 };

/** The connector that recognises the client itself: by its IP, or by its verified certificate's name. */
export function identifyClient(connectors: readonly InboundConnector[], client: InboundClient): InboundConnector | undefined {
  let best: InboundConnector | undefined;
  for (const c of connectors) {
    if (!c.record.enabled) continue;
    // a partner that lists senderDomains is about those domains: its IPs and certificate check them, they do not claim other senders
    if (c.type === 'partner' && (c.record.senderDomains?.length ?? 0) > 0) continue;
    const byCert = !!c.record.tlsSenderCertificateName && client.tls && certificateNameMatches(c.record.tlsSenderCertificateName, client.certificateNames);
    if (!byCert && !c.ips.has(client.ip)) continue;
    if (!best || TYPE_ORDER[c.type] < TYPE_ORDER[best.type]) best = c;
  }
  return best;
}

/**
 * Which inbound connector a message falls under, and whether it meets it (Exchange's inbound
 * connector attribution). A client the connector recognises by IP or certificate (onPremises,
 * filter, relay) is judged as that connector's. Otherwise a partner connector whose
 * senderDomains list the MAIL FROM domain (the most specific pattern) decides: mail from that
 * domain must meet its TLS, IP and certificate restrictions or be refused with a reply naming it.
 */
export function decideInbound(connectors: readonly InboundConnector[], client: InboundClient, senderDomain: string): InboundDecision {
  const identified = identifyClient(connectors, client);
  if (identified && identified.type !== 'partner') return checkTls(identified, client) ?? { kind: 'accept', connector: identified, via: 'client' };

  let partner: InboundConnector | undefined;
  let specificity = -1;
  if (senderDomain) {
    for (const c of connectors) {
      if (!c.record.enabled || c.type !== 'partner') continue;
      const m = bestMatch(c.record.senderDomains ?? [], senderDomain);
      if (m && m.specificity > specificity) {
        partner = c;
        specificity = m.specificity;
      }
    }
  }
  if (partner) {
    const tls = checkTls(partner, client);
    if (tls) return tls;
    if (partner.record.restrictDomainsToIpAddresses && !partner.ips.has(client.ip)) {
      return refuse(partner, 550, `5.7.1 mail from ${senderDomain} must come from the addresses of connector "${partner.name}"`, 'ip_not_allowed');
    }
    const certName = partner.record.tlsSenderCertificateName;
    if (partner.record.restrictDomainsToCertificate && certName && !(client.tls && certificateNameMatches(certName, client.certificateNames))) {
      return refuse(partner, 550, `5.7.1 mail from ${senderDomain} must present the certificate ${certName} required by connector "${partner.name}"`, 'certificate_required');
    }
    return { kind: 'accept', connector: partner, via: 'senderDomain' };
  }
  if (identified) return checkTls(identified, client) ?? { kind: 'accept', connector: identified, via: 'client' };
  return { kind: 'none' };
}

function checkTls(c: InboundConnector, client: InboundClient): InboundDecision | undefined {
  if (c.record.requireTls && !client.tls) return refuse(c, 530, `5.7.10 connector "${c.name}" requires TLS: issue STARTTLS first`, 'tls_required');
  return undefined;
}

function refuse(c: InboundConnector, code: number, text: string, reason: RefusalReason): InboundDecision {
  return { kind: 'refuse', connector: c.name, code, text, reason };
}

/** What a connector grants the messages it accepts. */
export interface ConnectorGrants {
  /** relay to any destination (onPremises: on-premises mailboxes send out through us; relay: devices) */
  mayRelay: boolean;
  /** MAIL FROM and header From must be in a hosted domain (relay connector) */
  senderMustBeHosted: boolean;
}

export function grantsOf(c: InboundConnector): ConnectorGrants {
  return { mayRelay: c.type === 'onPremises' || c.type === 'relay', senderMustBeHosted: c.type === 'relay' };
}

/**
 * The connector's word on sender authentication (SPF, DMARC), consumed by the SPF/DMARC checks:
 * `skip` for mail the organisation's own systems hand over (onPremises counts as internal),
 * otherwise the IP to evaluate: the connecting client's, or for a filter connector the first IP
 * before the filter, read from the Received chain (falls back to the client's when the chain
 * names none).
 */
export type AuthenticationSubject = { skip: true; reason: string } | { skip: false; ip: string; fromReceivedChain: boolean };

export function authenticationSubject(connector: InboundConnector | undefined, connectingIp: string, received: readonly string[]): AuthenticationSubject {
  if (connector?.type === 'onPremises') return { skip: true, reason: `internal mail from connector "${connector.name}"` };
  if (connector?.type === 'filter') {
    const ip = originalClientIp({ connectingIp, received, skip: [connector.ips, connector.skipIps], skipLastIp: connector.record.skipLastIp ?? false });
    if (ip) return { skip: false, ip, fromReceivedChain: true };
  }
  return { skip: false, ip: connectingIp, fromReceivedChain: false };
}
