import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is the IPv4 client 192.0.2.1. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIPv4(lower.slice(7))) return lower.slice(7);
  return lower;
}

/**
 * What per-client limits count by: an IPv4 address, or the /64 of an IPv6 address. One IPv6
 * customer usually holds a whole /64 (often more), so counting single addresses would let one
 * client open 2^64 "different" clients.
 */
export function clientKey(address: string | undefined): string {
  const plain = plainAddress(address);
  if (!isIPv6(plain)) return plain || 'unknown';
  return `${expandIPv6(plain).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lowercase hex without leading zeros. */
export function expandIPv6(address: string): string[] {
  let text = address.split('%')[0];
  // an embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) becomes two groups
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16).toString(16));
}

/** A list of networks ("127.0.0.0/8, ::1/128, 10.1.2.3") that addresses are checked against. */
export class NetworkList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(spec: string | readonly string[] = []) {
    const items = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter(Boolean);
    for (const item of items) {
      const [net, bits] = item.split('/');
      const family = isIPv4(net) ? 'ipv4' : isIPv6(net) ? 'ipv6' : null;
      if (!family) throw new Error(`not an IP network: ${item}`);
      const prefix = bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128)) throw new Error(`bad prefix length: ${item}`);
      this.list.addSubnet(net, prefix, family);
    }
    this.empty = items.length === 0;
  }

  has(address: string | undefined): boolean {
    if (this.empty) return false;
    const plain = plainAddress(address);
    if (isIPv4(plain)) return this.list.check(plain, 'ipv4');
    if (isIPv6(plain)) return this.list.check(plain, 'ipv6');
    return false;
  }
}
