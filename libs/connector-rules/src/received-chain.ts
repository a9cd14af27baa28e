import { isIP } from 'node:net';
import { plainIp, type IpSet } from './ip-set.js';

/**
 * The client IP a Received: header records: the first IP literal of its `from` clause
 * (`from x (host [192.0.2.1])`, `[IPv6:2001:db8::1]`), or undefined.
 */
export function receivedFromIp(value: string): string | undefined {
  const by = value.search(/\sby\s/i);
  const from = by >= 0 ? value.slice(0, by) : value;
  if (!/^\s*from\s/i.test(from)) return undefined;
  for (const m of from.matchAll(/\[(?:IPv6:)?([0-9a-fA-F:.]+)\]/g)) {
    const ip = plainIp(m[1]);
    if (isIP(ip)) return ip;
  }
  return undefined;
}

/**
 * The IP that SPF and DMARC should judge behind a third-party filter (Exchange's enhanced
 * filtering for connectors): walk from the connecting IP back along the Received chain (newest
 * first), skipping the filter's own hops: the connecting IP when `skipLastIp`, and every IP in
 * `skip` (the connector's skipIpAddresses and its senderIpAddresses). The first IP left is the
 * one that handed the message to the filter. Undefined when the chain names none.
 */
export function originalClientIp(opts: { connectingIp: string; received: readonly string[]; skip: readonly IpSet[]; skipLastIp: boolean }): string | undefined {
  const chain = [plainIp(opts.connectingIp), ...opts.received.map(receivedFromIp)];
  for (let i = 0; i < chain.length; i++) {
    const ip = chain[i];
    if (!ip) continue;
    if (i === 0 && opts.skipLastIp) continue;
    if (opts.skip.some((s) => s.has(ip))) continue;
    return ip;
  }
  return undefined;
}
