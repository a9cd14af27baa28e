import { createHash } from 'node:crypto';
import type { DkimKey, DnsRecord } from '@mail/contracts';

export interface DomainDnsInput {
  domain: string;
  /** the platform's public name (HOSTNAME_FQDN): MX target, SPF `a:`, MTA-STS `mx:` */
  mailHost: string;
  dkim: DkimKey[];
}

/** MTA-STS policy (RFC 8461 §3.2) naming the platform's MX; `testing` until the admin has TLS on it. */
export function mtaStsPolicy(mailHost: string): string {
  return ['version: STSv1', 'mode: testing', `mx: ${mailHost}`, 'max_age: 604800', ''].join('\r\n');
}

/**
 * Every record a hosted domain publishes: where its mail goes (MX), who may send it (SPF), the
 * public half of its signing keys (DKIM), what receivers do with forgeries (DMARC), TLS policy and
 * reporting (MTA-STS, TLS-RPT). The MTA-STS id is a digest of the policy, so it changes exactly
 * when the policy does, as RFC 8461 §3.1 requires.
 */
export function domainDnsRecords(input: DomainDnsInput): { records: DnsRecord[]; mtaStsPolicy: string } {
  const { domain, mailHost } = input;
  const policy = mtaStsPolicy(mailHost);
  const policyId = createHash('sha256').update(policy).digest('hex').slice(0, 20);
  const records: DnsRecord[] = [
    { purpose: 'MX', name: domain, type: 'MX', value: `10 ${mailHost}.` },
    { purpose: 'SPF', name: domain, type: 'TXT', value: `v=spf1 mx a:${mailHost} -all`, note: 'add the addresses of any other server that sends mail for the domain' },
    ...input.dkim.map(
      (k): DnsRecord => ({
        purpose: 'DKIM',
        name: k.dnsName,
        type: 'TXT',
        value: k.txt,
        note: k.status === 'retired' ? 'retired key: keep until mail signed with it has been delivered, then remove' : `${k.algorithm} signing key`,
      }),
    ),
    {
      purpose: 'DMARC',
      name: `_dmarc.${domain}`,
      type: 'TXT',
      value: `v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@${domain}`,
      note: 'start with p=none to observe, then quarantine or reject',
    },
    { purpose: 'MTA-STS', name: `_mta-sts.${domain}`, type: 'TXT', value: `v=STSv1; id=${policyId}` },
    {
      purpose: 'MTA-STS',
      name: `mta-sts.${domain}`,
      type: 'CNAME',
      value: `${mailHost}.`,
      note: 'an HTTPS server with a certificate for this name serves the policy at /.well-known/mta-sts.txt',
    },
    { purpose: 'TLS-RPT', name: `_smtp._tls.${domain}`, type: 'TXT', value: `v=TLSRPTv1; rua=mailto:postmaster@${domain}` },
  ];
  if (!input.dkim.length) {
    records.splice(2, 0, { purpose: 'DKIM', name: `<selector>._domainkey.${domain}`, type: 'TXT', value: '', note: `no key yet: mailctl dkim add ${domain}` });
  }
  return { records, mtaStsPolicy: policy };
}
