import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import type { DnsZone } from './dns-server.js';

export interface SenderDomain {
  domain: string;
  selector: string;
  /** SPF, DKIM key and DMARC records to load into the test DNS server */
  zone: DnsZone;
  /** the message with a DKIM-Signature of this domain on top */
  sign(raw: Buffer | string): Promise<Buffer>;
}

/**
 * A sender domain on the internet as a test needs it: an RSA-2048 DKIM key (signing with mailauth,
 * as a real sender's MTA would), an SPF record allowing only `spfAllows` (by default a documentation
 * network, so mail from 127.0.0.1 fails SPF and passes DMARC only through DKIM), and a DMARC record.
 */
export function senderDomain(domain: string, opts: { dmarc?: string; spfAllows?: string; selector?: string } = {}): SenderDomain {
  const selector = opts.selector ?? 's1';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const zone: DnsZone = {
    [domain]: { TXT: [`v=spf1 ${opts.spfAllows ?? 'ip4:192.0.2.0/24'} -all`] },
    [`${selector}._domainkey.${domain}`]: { TXT: [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`] },
  };
  if (opts.dmarc) zone[`_dmarc.${domain}`] = { TXT: [opts.dmarc] };
  return {
    domain,
    selector,
    zone,
    async sign(raw) {
      const { signatures } = await dkimSign(raw, { signingDomain: domain, selector, privateKey: pem, signatureData: [{ signingDomain: domain, selector, privateKey: pem }] });
      return Buffer.concat([Buffer.from(signatures), Buffer.from(raw)]);
    },
  };
}
