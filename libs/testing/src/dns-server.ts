import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as packet from 'dns-packet';

/** What a name answers, per record type. TXT values longer than 255 bytes are split into strings. */
export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
  MX?: Array<{ exchange: string; priority: number }>;
  TXT?: string[];
  CNAME?: string;
  PTR?: string[];
  TLSA?: Array<{ usage: number; selector: number; matchingType: number; certificate: Buffer }>;
  /** answer SERVFAIL for every question about this name (a broken zone) */
  servfail?: boolean;
  /** never answer questions about this name (a dead server; the client times out) */
  silent?: boolean;
}

export type DnsZone = Record<string, DnsRecords>;

export interface TestDnsServer {
  /** for `DNS_SERVERS` / `createDnsResolver({ servers })` */
  servers: string[];
  port: number;
  /** every question asked so far, as `TYPE name` */
  queries: string[];
  /** replace what a name answers (undefined: the name no longer exists, NXDOMAIN) */
  set(name: string, records: DnsRecords | undefined): void;
  close(): Promise<void>;
}

const TTL = 60;
const key = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * A real DNS server on 127.0.0.1 (UDP and TCP on one random port) answering from a record map the
 * test controls, so that SPF, DKIM, DMARC, MX and MTA-STS lookups of the platform never leave the
 * machine: point the platform's `DNS_SERVERS` at `servers`. Unknown names answer NXDOMAIN, known
 * names without the asked type answer NOERROR with no records (NODATA), as real servers do.
 */
export async function startDnsServer(initial: DnsZone = {}): Promise<TestDnsServer> {
  const zone = new Map<string, DnsRecords>(Object.entries(initial).map(([n, r]) => [key(n), r]));
  const queries: string[] = [];

  const answer = (query: packet.Packet): Buffer | undefined => {
    const question = query.questions?.[0];
    const base = { id: query.id, type: 'response' as const, flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE, questions: query.questions };
    if (!question) return packet.encode({ ...base, flags: base.flags | 1 /* FORMERR */ });
    queries.push(`${question.type} ${key(question.name)}`);
    const records = zone.get(key(question.name));
    if (records?.silent) return undefined;
    if (records?.servfail) return packet.encode({ ...base, flags: base.flags | 2 /* SERVFAIL */ });
    if (!records) return packet.encode({ ...base, flags: base.flags | 3 /* NXDOMAIN */ });
    return packet.encode({ ...base, answers: answersFor(question.name, question.type, records, zone) });
  };

  const { udp, tcp, port } = await bindUdpAndTcp(
    (udp) => (msg: Buffer, rinfo: RemoteInfo) => {
      const reply = respond(msg, answer);
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    },
    (socket) => serveTcp(socket, answer),
  );

  return {
    servers: [`127.0.0.1:${port}`],
    port,
    queries,
    set: (name, records) => (records ? zone.set(key(name), records) : zone.delete(key(name))),
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/**
 * One port number for UDP and TCP, as DNS needs: the kernel picks a free UDP port, but the same
 * number may be taken for TCP by another test (seen in CI: EADDRINUSE, and the half-started server
 * then kept the test process alive). On a clash both are closed and another port is tried.
 */
async function bindUdpAndTcp(
  onMessage: (udp: UdpSocket) => (msg: Buffer, rinfo: RemoteInfo) => void,
  onConnection: (socket: Socket) => void,
): Promise<{ udp: UdpSocket; tcp: Server; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp: UdpSocket = createSocket('udp4');
    udp.on('message', onMessage(udp));
    udp.on('error', () => undefined);
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const port = udp.address().port;
    const tcp: Server = createServer(onConnection);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', resolve);
      });
      return { udp, tcp, port };
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw err;
    }
  }
}

function respond(msg: Buffer, answer: (q: packet.Packet) => Buffer | undefined): Buffer | undefined {
  let query: packet.Packet;
  try {
    query = packet.decode(msg);
  } catch {
    return undefined; // not DNS: a real server drops it too
  }
  return answer(query);
}

/** DNS over TCP: each message is preceded by its length in two bytes (RFC 1035 4.2.2). */
function serveTcp(socket: Socket, answer: (q: packet.Packet) => Buffer | undefined): void {
  let buffered = Buffer.alloc(0);
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const length = buffered.readUInt16BE(0);
      const reply = respond(buffered.subarray(2, 2 + length), answer);
      buffered = buffered.subarray(2 + length);
      if (!reply) continue;
      const framed = Buffer.alloc(2 + reply.length);
      framed.writeUInt16BE(reply.length, 0);
      reply.copy(framed, 2);
      socket.write(framed);
    }
  });
}

function answersFor(name: string, type: string, records: DnsRecords, zone: Map<string, DnsRecords>, depth = 0): packet.Answer[] {
  const common = { name, ttl: TTL, class: 'IN' as const };
  if (records.CNAME && type !== 'CNAME') {
    const target = zone.get(key(records.CNAME));
    const alias: packet.Answer = { ...common, type: 'CNAME', data: records.CNAME };
    return [alias, ...(target && depth < 8 ? answersFor(records.CNAME, type, target, zone, depth + 1) : [])];
  }
  switch (type) {
    case 'A':
      return (records.A ?? []).map((data) => ({ ...common, type: 'A', data }));
    case 'AAAA':
      return (records.AAAA ?? []).map((data) => ({ ...common, type: 'AAAA', data }));
    case 'MX':
      return (records.MX ?? []).map((mx) => ({ ...common, type: 'MX', data: { exchange: mx.exchange, preference: mx.priority } }));
    case 'TXT':
      return (records.TXT ?? []).map((text) => ({ ...common, type: 'TXT', data: splitTxt(text) }));
    case 'CNAME':
      return records.CNAME ? [{ ...common, type: 'CNAME', data: records.CNAME }] : [];
    case 'PTR':
      return (records.PTR ?? []).map((data) => ({ ...common, type: 'PTR', data }));
    case 'TLSA':
      return (records.TLSA ?? []).map((data) => ({ ...common, type: 'TLSA', data }) as packet.Answer);
    default:
      return [];
  }
}

function splitTxt(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) parts.push(bytes.subarray(i, i + 255));
  return parts.length ? parts : [Buffer.alloc(0)];
}
