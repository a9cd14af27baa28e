import { isIP } from 'node:net';

/**
 * `DNS_SERVERS`: a comma-separated list of `ip`, `ip:port` or `[ipv6]:port`, in the form node's
 * `Resolver.setServers` takes. Anything else is refused at start-up with the offending entry named,
 * rather than left for c-ares to reject at the first lookup.
 */
export function parseDnsServers(value: string | undefined): string[] {
  if (!value?.trim()) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      if (!isDnsServer(entry)) throw new Error(`DNS_SERVERS: "${entry}" is not an IP address, ip:port or [ipv6]:port`);
      return entry;
    });
}

function isDnsServer(entry: string): boolean {
  if (isIP(entry)) return true;
  const v6 = /^\[([^\]]+)\]:(\d{1,5})$/.exec(entry);
  if (v6) return isIP(v6[1]) === 6 && validPort(v6[2]);
  const v4 = /^([^:]+):(\d{1,5})$/.exec(entry);
  return !!v4 && isIP(v4[1]) === 4 && validPort(v4[2]);
}

const validPort = (p: string) => Number(p) > 0 && Number(p) < 65536;
