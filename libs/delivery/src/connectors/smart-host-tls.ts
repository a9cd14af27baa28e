import { checkServerIdentity, rootCertificates, type ConnectionOptions } from 'node:tls';
import type { TlsSettings } from '@mail/contracts';

/**
 * nodemailer options for a connector's tlsSettings (Exchange's TlsSettings). Every setting but
 * `opportunistic` requires STARTTLS: a server that does not offer it, or whose certificate does not
 * meet the setting, fails the connection, so the message is deferred and never sent in plaintext.
 */
export function smartHostTls(settings: TlsSettings, opts: { tlsDomain?: string; extraCa?: string[] }): { requireTLS: boolean; opportunisticTLS: boolean; tls: ConnectionOptions } {
  const ca = opts.extraCa?.length ? [...rootCertificates, ...opts.extraCa] : undefined;
  switch (settings) {
    case 'opportunistic':
      return { requireTLS: false, opportunisticTLS: true, tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' } };
    case 'encryptionOnly':
      return { requireTLS: true, opportunisticTLS: false, tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' } };
    case 'certificateValidation':
      // a trusted chain; the name is the smart host's (node's default identity check)
      return { requireTLS: true, opportunisticTLS: false, tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) } };
    case 'domainValidation': {
      const domain = opts.tlsDomain ?? '';
      return {
        requireTLS: true,
        opportunisticTLS: false,
        tls: {
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
          ...(ca ? { ca } : {}),
          // the certificate must name tlsDomain (wildcards as in the certificate), whatever host we dialled
          checkServerIdentity: (_host, cert) => checkServerIdentity(domain.startsWith('*.') ? `x${domain.slice(1)}` : domain, cert),
        },
      };
    }
  }
}
