import { BlockList, isIP } from 'node:net';

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is 192.0.2.1 */
export function plainIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip;
}

/** A set of IPv4/IPv6 addresses and CIDR ranges (Exchange's SenderIPAddresses), on node's BlockList. */
export class IpSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(ranges: readonly string[]) {
    for (const r of ranges) {
      const [addr, bits] = r.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr, family);
      else this.list.addSubnet(addr, Number(bits), family);
    }
    this.size = ranges.length;
  }

  has(ip: string): boolean {
    const plain = plainIp(ip);
    const family = isIP(plain);
    if (!family) return false;
    return this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}
