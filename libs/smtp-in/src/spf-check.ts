import { promises as dns } from 'node:dns';
import { spf } from 'mailauth/lib/spf';
import type { DnsResolver } from './smtp-in.config.js';

export interface SpfInput {
  ip: string;
  helo: string;
  sender: string;
  hostname: string;
}

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

/**
 * SPF of MAIL FROM (RFC 7208) as an Authentication-Results header. It never rejects and never
 * hangs: a DNS failure or a slow answer is `spf=temperror`, and the message is accepted anyway.
 */
export async function spfAuthenticationResults(input: SpfInput, opts: { resolver?: DnsResolver; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const resolver = boundedResolver(opts.resolver ?? systemResolver, timeoutMs);
  let info: string;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      spf({ sender: input.sender || undefined, ip: input.ip, helo: input.helo, mta: input.hostname, resolver: resolver as never, maxElapsedTime: timeoutMs }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('spf timeout')), timeoutMs + 100);
      }),
    ]);
    info = result.info;
  } catch {
    const who = input.sender ? `smtp.mailfrom=${input.sender}` : `smtp.helo=${input.helo}`;
    info = `spf=temperror ${who}`;
  } finally {
    clearTimeout(timer);
  }
  return foldAuthResults(`${input.hostname}; ${info.replace(/[\r\n]+/g, ' ')}`);
}

function foldAuthResults(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  const [first, ...rest] = clean.split('; ');
  return `Authentication-Results: ${first}${rest.map((r) => `;\r\n\t${r}`).join('')}\r\n`;
}
