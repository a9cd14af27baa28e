import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { Id, IsoDate } from './common.schemas.js';

/** Exchange Online's limit for a message, and the default of a connector and of MAX_MESSAGE_SIZE. */
export const DEFAULT_MAX_MESSAGE_SIZE = 150 * 1024 * 1024;

/** `contoso.com` or `*.contoso.com` (subdomains only) */
const DomainPatternRe = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** A domain with an optional leading `*.` wildcard; `*` (every domain) where `allowStar`. */
const domainPattern = (allowStar: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => (allowStar && v === '*') || DomainPatternRe.test(v), {
      message: allowStar ? 'must be a domain, *.domain or *' : 'must be a domain or *.domain',
    });

/** An IPv4/IPv6 address or CIDR range, as Exchange's SenderIPAddresses takes them. */
export const IpRange = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]).safeParse(v).success, { message: 'must be an IPv4/IPv6 address or CIDR range' });

/** `host`, `host:port`, `[v6]` or `[v6]:port` */
export const SmartHost = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]{0,252}))(?::\d{1,5})?$/.test(v) && Number(/:(\d+)$/.exec(v)?.[1] ?? 0) <= 65535, {
    message: 'must be host, host:port or [IPv6]:port',
  });

export const ConnectorName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'must be 1-64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit')
  // words of the API's own paths (/api/v1/connectors/export ...)
  .refine((n) => !['export', 'import', 'status'].includes(n.toLowerCase()), { message: 'export, import and status are reserved' });

export const ConnectorDirection = z.enum(['inbound', 'outbound']);
export const InboundConnectorType = z.enum(['partner', 'onPremises', 'filter', 'relay']);
export const TlsSettings = z.enum(['opportunistic', 'encryptionOnly', 'certificateValidation', 'domainValidation']);
export type TlsSettings = z.infer<typeof TlsSettings>;

/** Fields that only mean something for one direction: a connector naming the others is refused. */
export const INBOUND_FIELDS = [
  'type',
  'senderDomains',
  'senderIpAddresses',
  'requireTls',
  'tlsSenderCertificateName',
  'restrictDomainsToIpAddresses',
  'restrictDomainsToCertificate',
  'skipIpAddresses',
  'skipLastIp',
  'maxMessagesPerMinute',
] as const;
export const OUTBOUND_FIELDS = ['recipientDomains', 'smartHosts', 'useMxRecord', 'tlsSettings', 'tlsDomain', 'authUsername', 'authPassword', 'connectionReuse'] as const;

/**
 * The fields of a connector as an administrator writes them (API body, YAML), named as Exchange's
 * New-InboundConnector / New-OutboundConnector parameters are. Every field but `name` and
 * `direction` is optional here; the defaults are applied by `normalizeConnector`.
 */
const ConnectorFieldsShape = {
  name: ConnectorName,
  direction: ConnectorDirection,
  enabled: z.boolean().optional(),
  comment: z.string().max(1000).optional(),
  maxMessageSize: z.number().int().min(1024).max(2 ** 31).optional(),
  // inbound
  type: InboundConnectorType.optional(),
  senderDomains: z.array(domainPattern(true)).max(1000).optional(),
  senderIpAddresses: z.array(IpRange).max(1000).optional(),
  requireTls: z.boolean().optional(),
  tlsSenderCertificateName: domainPattern(false).optional(),
  restrictDomainsToIpAddresses: z.boolean().optional(),
  restrictDomainsToCertificate: z.boolean().optional(),
  skipIpAddresses: z.array(IpRange).max(1000).optional(),
  skipLastIp: z.boolean().optional(),
  maxMessagesPerMinute: z.number().int().min(1).max(1_000_000).optional(),
  // outbound
  recipientDomains: z.array(domainPattern(true)).max(1000).optional(),
  smartHosts: z.array(SmartHost).max(20).optional(),
  useMxRecord: z.boolean().optional(),
  tlsSettings: TlsSettings.optional(),
  tlsDomain: domainPattern(false).optional(),
  authUsername: z.string().min(1).max(320).optional(),
  connectionReuse: z.boolean().optional(),
};

/** A password in clear (sealed on arrival), or the sealed form an export wrote (see ADR 0011). */
export const SecretInput = z.union([z.string().min(1).max(1024), z.object({ sealed: z.string().min(1).max(4096) }).strict()]);
export type SecretInput = z.infer<typeof SecretInput>;

const ConnectorFieldsObject = z.object({ ...ConnectorFieldsShape, authPassword: SecretInput.optional() }).strict();
export type ConnectorFields = z.infer<typeof ConnectorFieldsObject>;

/** The rules between fields, reported with the path of the field at fault (import maps it to a line). */
export function connectorRuleIssues(c: Partial<ConnectorFields>): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const has = (k: keyof ConnectorFields) => c[k] !== undefined;
  const nonEmpty = (k: 'senderDomains' | 'senderIpAddresses' | 'recipientDomains' | 'smartHosts' | 'skipIpAddresses') => (c[k]?.length ?? 0) > 0;
  const foreign = c.direction === 'inbound' ? OUTBOUND_FIELDS : INBOUND_FIELDS;
  for (const k of foreign) if (has(k)) issues.push({ path: k, message: `applies to ${c.direction === 'inbound' ? 'outbound' : 'inbound'} connectors only` });
  if (c.direction === 'inbound') {
    if (!c.type) issues.push({ path: 'type', message: 'an inbound connector needs a type: partner, onPremises, filter or relay' });
    const ids = nonEmpty('senderDomains') || nonEmpty('senderIpAddresses') || has('tlsSenderCertificateName');
    if (c.type === 'partner' && !ids) issues.push({ path: 'senderDomains', message: 'a partner connector needs senderDomains, senderIpAddresses or tlsSenderCertificateName' });
    if (c.type === 'onPremises' && !nonEmpty('senderIpAddresses') && !has('tlsSenderCertificateName'))
      issues.push({ path: 'senderIpAddresses', message: 'an onPremises connector is identified by senderIpAddresses and/or tlsSenderCertificateName' });
    if ((c.type === 'filter' || c.type === 'relay') && !nonEmpty('senderIpAddresses'))
      issues.push({ path: 'senderIpAddresses', message: `a ${c.type} connector is identified by senderIpAddresses` });
    if (c.type === 'relay') {
      if (nonEmpty('senderDomains')) issues.push({ path: 'senderDomains', message: 'a relay connector is identified by senderIpAddresses only' });
      if (has('tlsSenderCertificateName')) issues.push({ path: 'tlsSenderCertificateName', message: 'a relay connector is identified by senderIpAddresses only' });
    }
    if (c.type !== 'filter') {
      if (nonEmpty('skipIpAddresses')) issues.push({ path: 'skipIpAddresses', message: 'applies to filter connectors only' });
      if (c.skipLastIp) issues.push({ path: 'skipLastIp', message: 'applies to filter connectors only' });
    }
    if (c.type !== 'relay' && has('maxMessagesPerMinute')) issues.push({ path: 'maxMessagesPerMinute', message: 'applies to relay connectors only' });
    if (c.restrictDomainsToIpAddresses && !nonEmpty('senderIpAddresses')) issues.push({ path: 'restrictDomainsToIpAddresses', message: 'needs senderIpAddresses' });
    if (c.restrictDomainsToCertificate && !has('tlsSenderCertificateName')) issues.push({ path: 'restrictDomainsToCertificate', message: 'needs tlsSenderCertificateName' });
  } else if (c.direction === 'outbound') {
    if (!nonEmpty('recipientDomains')) issues.push({ path: 'recipientDomains', message: 'an outbound connector needs recipientDomains (a domain, *.domain, or *)' });
    if (nonEmpty('smartHosts') === (c.useMxRecord === true))
      issues.push({ path: 'smartHosts', message: 'an outbound connector needs either smartHosts or useMxRecord: true (not both)' });
    if (c.tlsSettings === 'domainValidation' && !has('tlsDomain')) issues.push({ path: 'tlsDomain', message: 'tlsSettings domainValidation needs tlsDomain' });
    if (has('tlsDomain') && c.tlsSettings !== 'domainValidation') issues.push({ path: 'tlsDomain', message: 'applies with tlsSettings domainValidation only' });
    if (has('authPassword') !== has('authUsername')) issues.push({ path: has('authPassword') ? 'authUsername' : 'authPassword', message: 'authUsername and authPassword go together' });
    if (has('authUsername') && !nonEmpty('smartHosts')) issues.push({ path: 'authUsername', message: 'authentication is for smart hosts' });
  }
  return issues;
}

/** What create and import accept: the fields, checked against each other. */
export const ConnectorInput = ConnectorFieldsObject.superRefine((c, ctx) => {
  for (const issue of connectorRuleIssues(c)) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
});
export type ConnectorInput = z.infer<typeof ConnectorInput>;

/**
 * A change to an existing connector: the fields to set, `null` to clear an optional one. The
 * merged result must pass ConnectorInput; `name` renames, `direction` never changes.
 */
export const ConnectorPatch = z
  .object(
    Object.fromEntries(
      Object.entries({ ...ConnectorFieldsShape, authPassword: SecretInput })
        .filter(([k]) => k !== 'direction')
        .map(([k, s]) => [k, k === 'name' ? (s as z.ZodType).optional() : (s as z.ZodType).nullable().optional()]),
    ),
  )
  .strict() as unknown as z.ZodType<ConnectorPatch>;
export type ConnectorPatch = { [K in Exclude<keyof ConnectorFields, 'direction'>]?: K extends 'name' ? ConnectorFields[K] : ConnectorFields[K] | null };

/** A connector as the API shows it: every default filled in, the password never (only whether one is set). */
export const Connector = z.object({
  id: Id,
  name: z.string(),
  direction: ConnectorDirection,
  enabled: z.boolean(),
  comment: z.string().optional(),
  maxMessageSize: z.number().int(),
  type: InboundConnectorType.optional(),
  senderDomains: z.array(z.string()).optional(),
  senderIpAddresses: z.array(z.string()).optional(),
  requireTls: z.boolean().optional(),
  tlsSenderCertificateName: z.string().optional(),
  restrictDomainsToIpAddresses: z.boolean().optional(),
  restrictDomainsToCertificate: z.boolean().optional(),
  skipIpAddresses: z.array(z.string()).optional(),
  skipLastIp: z.boolean().optional(),
  maxMessagesPerMinute: z.number().int().optional(),
  recipientDomains: z.array(z.string()).optional(),
  smartHosts: z.array(z.string()).optional(),
  useMxRecord: z.boolean().optional(),
  tlsSettings: TlsSettings.optional(),
  tlsDomain: z.string().optional(),
  authUsername: z.string().optional(),
  authPasswordSet: z.boolean().optional(),
  connectionReuse: z.boolean().optional(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type Connector = z.infer<typeof Connector>;

/** What smtp-in and delivery hold: the connector and, for delivery, its sealed smart-host password. */
export const ConnectorRecord = Connector.extend({ authPasswordSealed: z.string().optional() });
export type ConnectorRecord = z.infer<typeof ConnectorRecord>;

const NameParam = z.object({ name: ConnectorName });

export const CreateConnector = defineRequest('connectors.create.v1', ConnectorInput, Connector);
export const UpdateConnector = defineRequest('connectors.update.v1', z.object({ name: ConnectorName, patch: ConnectorPatch }), Connector);
export const GetConnector = defineRequest('connectors.get.v1', NameParam, Connector);
export const ListConnectors = defineRequest(
  'connectors.list.v1',
  z.object({ direction: ConnectorDirection.optional() }),
  z.object({ connectors: z.array(Connector) }),
);
export const DeleteConnector = defineRequest('connectors.delete.v1', NameParam, z.object({ deleted: z.literal(true) }));

/** Every connector with what replicas need to apply it (sealed secrets included): never exposed over HTTP. */
export const ConnectorSnapshot = defineRequest(
  'connectors.snapshot.v1',
  z.object({}),
  z.object({ connectors: z.array(ConnectorRecord), version: z.string() }),
);

/** Published after every committed change: smtp-in and delivery replicas reload their snapshot. */
export const ConnectorsChanged = defineEvent('connectors.changed.v1', z.object({ at: IsoDate, names: z.array(z.string()) }));

/** Health probe of the connector service. */
export const ConnectorsPing = defineRequest('connectors.ping.v1', z.object({}), z.object({ ok: z.literal(true) }));

/** Every connector as YAML (`mailctl connector export`); passwords as their sealed form, never in clear. */
export const ExportConnectors = defineRequest('connectors.export.v1', z.object({}), z.object({ yaml: z.string(), count: z.number().int() }));

export const ImportProblem = z.object({ line: z.number().int(), message: z.string() });
export const ImportChange = z.object({ name: z.string(), action: z.enum(['create', 'update', 'unchanged']), fields: z.array(z.string()).optional() });

/**
 * Applies a connector file: all checked first (problems with their line numbers, nothing
 * applied), then written in one transaction. `dryRun` only reports the changes.
 */
export const ImportConnectors = defineRequest(
  'connectors.import.v1',
  z.object({ yaml: z.string().max(4 * 1024 * 1024), dryRun: z.boolean().default(false) }),
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), applied: z.boolean(), changes: z.array(ImportChange) }),
    z.object({ ok: z.literal(false), problems: z.array(ImportProblem) }),
  ]),
);

/**
 * Exchange's Validate-OutboundConnector: connect to the connector's smart hosts (or the MX of the
 * recipient's domain), EHLO, STARTTLS, and report the certificate, the TLS version and whether the
 * TLS setting is met. No message is sent. Answered by delivery.
 */
export const TestConnector = defineRequest(
  'delivery.connector.test.v1',
  z.object({ name: ConnectorName, to: z.string().max(320).optional() }),
  z.object({
    connector: z.string(),
    tlsSettings: TlsSettings,
    met: z.boolean(),
    hosts: z.array(
      z.object({
        host: z.string(),
        port: z.number().int(),
        connected: z.boolean(),
        settingsMet: z.boolean(),
        detail: z.string(),
        tls: z.object({ version: z.string(), cipher: z.string() }).optional(),
        certificate: z.object({ subject: z.string(), issuer: z.string(), validTo: z.string(), altNames: z.string(), trusted: z.boolean() }).optional(),
      }),
    ),
  }),
);
