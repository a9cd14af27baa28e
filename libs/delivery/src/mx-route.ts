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

/** MX records through the platform's resolver (`DNS_SERVERS`). */
export function mxResolver(resolve: DnsResolver): (domain: string) => Promise<Array<{ exchange: string; priority: number }>> {
  return async (domain) => (await resolve(domain, 'MX')) as Array<{ exchange: string; priority: number }>;
}
