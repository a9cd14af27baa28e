import { isIPv4, isIPv6 } from 'node:net';

/**
 * The PROXY protocol header a load balancer puts in front of a proxied TCP connection (HAProxy's
 * spec, versions 1 and 2), parsed from the first bytes of the connection. Pure: the listener
 * decides whom to trust (PROXY_TRUSTED_CIDRS) and what to do with the bytes after the header.
 */
export interface ProxyEndpoint {
  address: string;
  port: number;
}

export interface ProxyHeader {
  version: 1 | 2;
  /** LOCAL (v2): the proxy's own connection (health check); use the socket's addresses */
  command: 'PROXY' | 'LOCAL';
  family: 'TCP4' | 'TCP6' | 'UDP4' | 'UDP6' | 'UNIX' | 'UNKNOWN';
  source?: ProxyEndpoint;
  destination?: ProxyEndpoint;
  /** v2 type-length-value extensions, uninterpreted */
  tlvs: { type: number; value: Buffer }[];
}

export type ProxyParseResult =
  | { status: 'incomplete' }
  | { status: 'ok'; header: ProxyHeader; consumed: number }
  | { status: 'invalid'; reason: string };

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** v1: "PROXY TCP6 <39> <39> 65535 65535\r\n" is the longest valid line */
export const V1_MAX_LENGTH = 107;

const invalid = (reason: string): ProxyParseResult => ({ status: 'invalid', reason });

/** Parses the header at the start of `buf`; `incomplete` means read more bytes and call again. */
export function parseProxyHeader(buf: Buffer): ProxyParseResult {
  const prefixOf = (sig: Buffer) => buf.length < sig.length && sig.subarray(0, buf.length).equals(buf);
  if (buf.length >= V2_SIGNATURE.length && buf.subarray(0, V2_SIGNATURE.length).equals(V2_SIGNATURE)) return parseV2(buf);
  if (buf.length >= V1_PREFIX.length && buf.subarray(0, V1_PREFIX.length).equals(V1_PREFIX)) return parseV1(buf);
  if (buf.length === 0 || prefixOf(V2_SIGNATURE) || prefixOf(V1_PREFIX)) return { status: 'incomplete' };
  return invalid('no PROXY protocol header');
}

const PORT = /^(0|[1-9][0-9]{0,4})$/;

function parseV1(buf: Buffer): ProxyParseResult {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return buf.length >= V1_MAX_LENGTH ? invalid('v1 header longer than 107 bytes') : { status: 'incomplete' };
  if (end + 2 > V1_MAX_LENGTH) return invalid('v1 header longer than 107 bytes');
  const line = buf.subarray(0, end).toString('latin1');
  if (/[^\x20-\x7e]/.test(line)) return invalid('v1 header with a non-printable character');
  const parts = line.split(' ');
  const consumed = end + 2;
  if (parts[1] === 'UNKNOWN') return { status: 'ok', consumed, header: { version: 1, command: 'PROXY', family: 'UNKNOWN', tlvs: [] } };
  if (parts.length !== 6) return invalid('v1 header needs PROXY <family> <src> <dst> <sport> <dport>');
  const [, family, src, dst, sport, dport] = parts;
  if (family !== 'TCP4' && family !== 'TCP6') return invalid(`v1 family ${JSON.stringify(family)} is not TCP4, TCP6 or UNKNOWN`);
  const ipOk = family === 'TCP4' ? isIPv4 : isIPv6;
  if (!ipOk(src) || !ipOk(dst)) return invalid(`v1 addresses are not ${family === 'TCP4' ? 'IPv4' : 'IPv6'}`);
  if (family === 'TCP6' && (src.includes('%') || dst.includes('%'))) return invalid('v1 address with a zone index');
  for (const p of [sport, dport]) if (!PORT.test(p) || Number(p) > 65535) return invalid(`v1 port ${JSON.stringify(p)} is not 0-65535`);
  return {
    status: 'ok',
    consumed,
    header: { version: 1, command: 'PROXY', family, source: { address: src, port: Number(sport) }, destination: { address: dst, port: Number(dport) }, tlvs: [] },
  };
}

const ADDRESS_BYTES = { 1: 12, 2: 36, 3: 216 } as const;

function parseV2(buf: Buffer): ProxyParseResult {
  if (buf.length < 16) return { status: 'incomplete' };
  const verCmd = buf[12];
  if (verCmd >> 4 !== 2) return invalid(`v2 version ${verCmd >> 4} is not 2`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return invalid(`v2 command ${cmd} is neither LOCAL nor PROXY`);
  const famByte = buf[13];
  const af = famByte >> 4;
  const proto = famByte & 0x0f;
  if (af > 3 || proto > 2) return invalid(`v2 address family/protocol 0x${famByte.toString(16)} unknown`);
  const len = buf.readUInt16BE(14);
  if (buf.length < 16 + len) return { status: 'incomplete' };
  const body = buf.subarray(16, 16 + len);
  const consumed = 16 + len;
  const command = cmd === 0 ? 'LOCAL' : 'PROXY';
  if (af === 0 || proto === 0 || cmd === 0) {
    // UNSPEC or LOCAL: the receiver must ignore the address block and use the real connection's
    return { status: 'ok', consumed, header: { version: 2, command, family: 'UNKNOWN', tlvs: [] } };
  }
  const need = ADDRESS_BYTES[af as 1 | 2 | 3];
  if (len < need) return invalid(`v2 length ${len} is shorter than the ${need}-byte address block`);
  const family = af === 3 ? 'UNIX' : `${proto === 1 ? 'TCP' : 'UDP'}${af === 1 ? '4' : '6'}` as ProxyHeader['family'];
  let source: ProxyEndpoint | undefined;
  let destination: ProxyEndpoint | undefined;
  if (af === 1) {
    source = { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) };
    destination = { address: [...body.subarray(4, 8)].join('.'), port: body.readUInt16BE(10) };
  } else if (af === 2) {
    source = { address: ipv6(body.subarray(0, 16)), port: body.readUInt16BE(32) };
    destination = { address: ipv6(body.subarray(16, 32)), port: body.readUInt16BE(34) };
  }
  const tlvs: ProxyHeader['tlvs'] = [];
  let i = need;
  while (i < len) {
    if (len - i < 3) return invalid('v2 TLV header truncated');
    const type = body[i];
    const tlen = body.readUInt16BE(i + 1);
    if (i + 3 + tlen > len) return invalid(`v2 TLV 0x${type.toString(16)} longer than the header`);
    tlvs.push({ type, value: Buffer.from(body.subarray(i + 3, i + 3 + tlen)) });
    i += 3 + tlen;
  }
  return { status: 'ok', consumed, header: { version: 2, command, family, ...(source ? { source, destination } : {}), tlvs } };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // canonical compression (RFC 5952): the longest run of two or more zero groups becomes ::
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** A v2 header (tests, and clients that speak through a proxy). */
export function encodeProxyV2(h: { command?: 'PROXY' | 'LOCAL'; source?: ProxyEndpoint; destination?: ProxyEndpoint; tlvs?: { type: number; value: Buffer }[] }): Buffer {
  const command = h.command ?? 'PROXY';
  const parts: Buffer[] = [];
  let fam = 0x00;
  if (command === 'PROXY' && h.source && h.destination) {
    const v4 = isIPv4(h.source.address);
    fam = v4 ? 0x11 : 0x21;
    const addr = (a: string) => (v4 ? Buffer.from(a.split('.').map(Number)) : ipv6Bytes(a));
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(h.source.port, 0);
    ports.writeUInt16BE(h.destination.port, 2);
    parts.push(addr(h.source.address), addr(h.destination.address), ports);
  }
  for (const t of h.tlvs ?? []) {
    const th = Buffer.alloc(3);
    th.writeUInt8(t.type, 0);
    th.writeUInt16BE(t.value.length, 1);
    parts.push(th, t.value);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(4);
  head.writeUInt8(command === 'PROXY' ? 0x21 : 0x20, 0);
  head.writeUInt8(fam, 1);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, body]);
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail = ''] = a.includes('::') ? a.split('::') : [a, undefined as unknown as string];
  const h = head ? head.split(':') : [];
  const t = a.includes('::') && tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
