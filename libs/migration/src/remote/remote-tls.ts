import { rootCertificates, type ConnectionOptions } from 'node:tls';

/**
 * TLS options towards a remote server: TLS 1.2 or newer, the certificate verified against the
 * system roots plus REMOTE_TLS_CA_FILE, always (an `insecure` account may skip TLS, never verify
 * a certificate loosely: a migration that silently trusts anything would hand passwords to a
 * man in the middle). `servername` follows the host unless it is an IP literal.
 */
export interface RemoteTlsSettings {
  /** extra trusted CA certificates (PEM), e.g. a company CA or a test platform's self-signed certificate */
  extraCa?: string[];
}

export function remoteTlsOptions(host: string, settings: RemoteTlsSettings): ConnectionOptions {
  return {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    ...(settings.extraCa?.length ? { ca: [...rootCertificates, ...settings.extraCa] } : {}),
    ...(isIpLiteral(host) ? {} : { servername: host }),
  };
}

function isIpLiteral(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}
