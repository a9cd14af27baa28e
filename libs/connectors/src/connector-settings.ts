import { DEFAULT_MAX_MESSAGE_SIZE, type ConnectorFields } from '@mail/contracts';

/** A connector's fields with every default filled in and no secret: what is stored, shown and exported. */
export type ConnectorSettings = Omit<ConnectorFields, 'authPassword'>;

const unique = (xs: string[] | undefined) => [...new Set(xs ?? [])];

/**
 * Fills the defaults of the connector's direction and type, so that two spellings of the same
 * connector compare equal (an import that changes nothing writes nothing).
 */
export function normalizeConnector(input: ConnectorFields): ConnectorSettings {
  const common = {
    name: input.name,
    direction: input.direction,
    enabled: input.enabled ?? true,
    ...(input.comment ? { comment: input.comment } : {}),
    maxMessageSize: input.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
  };
  if (input.direction === 'inbound') {
    return {
      ...common,
      type: input.type,
      senderDomains: unique(input.senderDomains),
      senderIpAddresses: unique(input.senderIpAddresses),
      requireTls: input.requireTls ?? false,
      ...(input.tlsSenderCertificateName ? { tlsSenderCertificateName: input.tlsSenderCertificateName } : {}),
      restrictDomainsToIpAddresses: input.restrictDomainsToIpAddresses ?? false,
      restrictDomainsToCertificate: input.restrictDomainsToCertificate ?? false,
      ...(input.type === 'filter' ? { skipIpAddresses: unique(input.skipIpAddresses), skipLastIp: input.skipLastIp ?? false } : {}),
      ...(input.maxMessagesPerMinute !== undefined ? { maxMessagesPerMinute: input.maxMessagesPerMinute } : {}),
    };
  }
  return {
    ...common,
    recipientDomains: unique(input.recipientDomains),
    smartHosts: input.smartHosts ?? [], // the order is the failover order: kept as written
    useMxRecord: input.useMxRecord ?? false,
    tlsSettings: input.tlsSettings ?? 'opportunistic',
    ...(input.tlsDomain ? { tlsDomain: input.tlsDomain } : {}),
    ...(input.authUsername ? { authUsername: input.authUsername } : {}),
    connectionReuse: input.connectionReuse ?? true,
  };
}

/** Field-by-field differences of two normalised connectors (names of the fields that differ). */
export function changedFields(a: ConnectorSettings, b: ConnectorSettings): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ConnectorSettings>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}
