import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { DomainName, IsoDate } from './common.schemas.js';

export const DkimAlgorithm = z.enum(['rsa-2048', 'ed25519']);
export type DkimAlgorithm = z.infer<typeof DkimAlgorithm>;

/** A DKIM selector: one or more DNS labels (RFC 6376 §3.1), lower case. */
export const DkimSelector = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/, 'must be DNS labels of a-z, 0-9 and -');

/**
 * A domain's signing key as an administrator sees it: never the private key. `active` keys sign;
 * a `retired` one (after a rotation) stays listed so its TXT record can be kept published until
 * mail signed with it has been verified, and is then removed.
 */
export const DkimKey = z.object({
  domain: DomainName,
  selector: DkimSelector,
  algorithm: DkimAlgorithm,
  status: z.enum(['active', 'retired']),
  createdAt: IsoDate,
  /** `<selector>._domainkey.<domain>` */
  dnsName: z.string(),
  /** the TXT record's value, unsplit (`v=DKIM1; k=rsa; p=...`) */
  txt: z.string(),
});
export type DkimKey = z.infer<typeof DkimKey>;

export const CreateDkimKey = defineRequest(
  'auth.dkim.create.v1',
  z.object({ domain: DomainName, selector: DkimSelector.optional(), algorithm: DkimAlgorithm.default('rsa-2048') }),
  DkimKey,
);

export const ListDkimKeys = defineRequest('auth.dkim.list.v1', z.object({ domain: DomainName.optional() }), z.object({ keys: z.array(DkimKey) }));

/** A new key (new selector) for each active algorithm of the domain, or only `algorithm`; the old ones retire. */
export const RotateDkimKeys = defineRequest(
  'auth.dkim.rotate.v1',
  z.object({ domain: DomainName, algorithm: DkimAlgorithm.optional() }),
  z.object({ created: z.array(DkimKey), retired: z.array(DkimKey) }),
);

export const DeleteDkimKey = defineRequest('auth.dkim.delete.v1', z.object({ domain: DomainName, selector: DkimSelector }), z.object({ deleted: z.literal(true) }));

/**
 * The active keys delivery signs a domain's mail with. The private key travels sealed (the
 * platform's SecretBox, SECRETS_KEY): only a process holding the key can open it, and it never
 * sits in a log or a bus trace in clear.
 */
export const GetDkimSigningKeys = defineRequest(
  'auth.dkim.signing-keys.v1',
  z.object({ domain: DomainName }),
  z.object({ keys: z.array(z.object({ selector: DkimSelector, algorithm: DkimAlgorithm, sealedPrivateKey: z.string().min(1) })) }),
);

/** Published after any DKIM key change: delivery drops its cached signing keys. */
export const DkimKeysChanged = defineEvent('auth.dkim.changed.v1', z.object({ domain: DomainName, at: IsoDate }));

export const DnsRecord = z.object({
  purpose: z.enum(['MX', 'SPF', 'DKIM', 'DMARC', 'MTA-STS', 'TLS-RPT']),
  /** fully qualified, without the trailing dot */
  name: z.string(),
  type: z.enum(['MX', 'TXT', 'CNAME']),
  value: z.string(),
  note: z.string().optional(),
});
export type DnsRecord = z.infer<typeof DnsRecord>;

/** What a hosted domain should publish in DNS, and the MTA-STS policy file to serve. */
export const GetDomainDnsRecords = defineRequest(
  'auth.domain.dns.v1',
  z.object({ domain: DomainName }),
  z.object({
    domain: DomainName,
    records: z.array(DnsRecord),
    /** https://mta-sts.<domain>/.well-known/mta-sts.txt */
    mtaStsPolicy: z.string(),
  }),
);
