import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { DnsResolver } from '@mail/dns';
import { addressesOf } from '../mx/mx-hosts.js';

export interface PolicyFetchOptions {
  resolver: DnsResolver;
  /** 443; tests serve the policy on another port */
  port?: number;
  /** PEM certificates trusted besides the system's roots (closed networks, tests) */
  extraCa?: string[];
  timeoutMs?: number;
  /** RFC 8461 §3.3 leaves the limit to the sender; mailauth uses 64 KiB too */
  maxBytes?: number;
}

export class PolicyFetchError extends Error {
  constructor(
    message: string,
    /** the RFC 8460 result type for TLS reporting */
    readonly resultType: 'sts-policy-fetch-error' | 'sts-policy-invalid' | 'sts-webpki-invalid',
  ) {
    super(message);
  }
}

/**
 * GET https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.3): the policy host's address
 * through the platform's resolver, its certificate checked against the web PKI for that name, no
 * redirects followed, only a 200 taken. Answers null when the policy host has no address (no policy).
 * Written here rather than taken from mailauth's fetchPolicy because that one asks the system
 * resolver's view only through a fixed port 443 and the system's roots: tests and closed networks
 * need the resolver, the port and the trust anchors of the platform.
 */
export async function fetchPolicyFile(domain: string, opts: PolicyFetchOptions): Promise<string | null> {
  const host = `mta-sts.${domain}`;
  let addresses: string[];
  try {
    addresses = await addressesOf(host, opts.resolver);
  } catch (err) {
    throw new PolicyFetchError(`${host}: ${(err as Error).message}`, 'sts-policy-fetch-error');
  }
  if (!addresses.length) return null;
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: addresses[0],
        port: opts.port ?? 443,
        servername: host,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        headers: { host, 'user-agent': 'mail-platform MTA-STS' },
        ca: opts.extraCa?.length ? [...rootCertificates, ...opts.extraCa] : undefined,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new PolicyFetchError(`https://${host}/.well-known/mta-sts.txt answered HTTP ${res.statusCode}`, 'sts-policy-fetch-error'));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy();
            reject(new PolicyFetchError(`the policy of ${domain} is larger than ${maxBytes} bytes`, 'sts-policy-invalid'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) => reject(new PolicyFetchError(`${host}: ${err.message}`, 'sts-policy-fetch-error')));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const pki = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(err.code ?? '');
      reject(new PolicyFetchError(`${host}: ${err.message}`, pki ? 'sts-webpki-invalid' : 'sts-policy-fetch-error'));
    });
    req.end();
  });
}
