import { promises as dns } from 'node:dns';
import type { DnsResolver } from '@mail/dns';

export interface SmtpTarget {
  host: string;
  port: number;
}

/** A route that cannot work (no such domain, null MX): the recipients bounce. */
export class PermanentRouteError extends Error {}

/** `host`, `host:port` or `[v6]:port` */
export function parseRelayHost(relay: string, defaultPort: number): SmtpTarget {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(relay);
  if (v6) return { host: v6[1], port: v6[2] ? Number(v6[2]) : defaultPort };
  const [host, port] = relay.split(':');
  return { host, port: port ? Number(port) : defaultPort };
}

const DNS_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('DNS timeout'), { code: 'ETIMEOUT' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** MX records through the platform's resolver (`DNS_SERVERS`). */
export function mxResolver(resolve: DnsResolver): (domain: string) => Promise<Array<{ exchange: string; priority: number }>> {
  return async (domain) => (await resolve(domain, 'MX')) as Array<{ exchange: string; priority: number }>;
}

/** Where mail for `domain` goes: its MX hosts by preference, or the domain itself (RFC 5321 §5.1). */
export async function routeFor(
  domain: string,
  port: number,
  resolveMx: (d: string) => Promise<Array<{ exchange: string; priority: number }>> = (d) => dns.resolveMx(d),
): Promise<SmtpTarget[]> {
  try {
    const mx = await withTimeout(resolveMx(domain), DNS_TIMEOUT_MS);
    if (mx.length === 1 && (mx[0].exchange === '' || mx[0].exchange === '.')) throw new PermanentRouteError(`5.1.10 ${domain} accepts no mail (null MX)`);
    if (mx.length) return [...mx].sort((a, b) => a.priority - b.priority).map((m) => ({ host: m.exchange, port }));
    return [{ host: domain, port }];
  } catch (err) {
    if (err instanceof PermanentRouteError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND') throw new PermanentRouteError(`5.1.2 domain ${domain} does not exist`);
    if (code === 'ENODATA') return [{ host: domain, port }];
    throw err;
  }
}
