import { promises as dns } from 'node:dns';
import type { DnsResolver } from './smtp-in.config.js';

/** What node's resolver does, bounded: a dead DNS costs `timeoutMs`, not the resolver's minutes of retries. */
export function boundedResolver(resolver: DnsResolver, timeoutMs: number): DnsResolver {
  return (name, rrtype) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error(`DNS timeout for ${name}`), { code: 'ETIMEOUT' })), timeoutMs);
      resolver(name, rrtype).then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
}

export const systemResolver: DnsResolver = (name, rrtype) => dns.resolve(name, rrtype as 'TXT');
