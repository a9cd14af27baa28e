import type { Socket } from 'node:net';
import { metrics, type Counter } from '@opentelemetry/api';
import { parseProxyHeader, V2_SIGNATURE } from '@mail/proxy-protocol';
import { plainAddress, type NetworkList } from './client-key.js';
import { LogThrottle } from './log-throttle.js';

/** PROXY_TRUSTED_CIDRS, PROXY_PROTOCOL_LISTENERS and PROXY_HEADER_TIMEOUT_MS (docs/operations.md). */
export interface ProxyProtocolSettings {
  /** listener names that expect a PROXY header from trusted peers (smtp, submission, submissions, imap, imaps, pop3, pop3s) */
  listeners: readonly string[];
  /** the load balancers: only these may send a header, and on a PROXY listener they must */
  trusted: NetworkList;
  /** how long a trusted peer has to send its header before the connection is closed */
  headerTimeoutMs: number;
}

/** Who is on the other end: the client the load balancer names, or the socket's own peer. */
export interface ClientPeer {
  address: string;
  port: number;
  /** the load balancer's address when the client came through one */
  via?: string;
}

export type ProxyOutcome = 'accepted' | 'local' | 'missing' | 'invalid' | 'untrusted';

let proxyCounter: Counter | undefined;
function outcomes(): Counter {
  proxyCounter ??= metrics
    .getMeter('limits')
    .createCounter('mail_proxy_headers_total', { description: 'PROXY protocol headers on PROXY listeners, by protocol, listener and outcome (accepted, local, missing, invalid, untrusted)' });
  return proxyCounter;
}

/** The peer as the socket sees it (an IPv4 client of a dual-stack socket without its ::ffff: prefix). */
export function socketPeer(socket: Socket): ClientPeer {
  return { address: plainAddress(socket.remoteAddress), port: socket.remotePort ?? 0 };
}

/** the most a header can take: v2's 16 bytes and a 16-bit length */
const MAX_HEADER_BYTES = 16 + 65_535;

const V1_START = Buffer.from('PROXY ', 'latin1');

/** A chunk that opens with (a prefix of) either version's signature. */
export function looksLikeProxyHeader(chunk: Buffer): boolean {
  const starts = (sig: Buffer) => chunk.length > 0 && sig.subarray(0, Math.min(sig.length, chunk.length)).equals(chunk.subarray(0, Math.min(sig.length, chunk.length)));
  return starts(V1_START) || starts(V2_SIGNATURE);
}

export interface ProxyGateOptions {
  protocol: string;
  listener: string;
  trusted: NetworkList;
  headerTimeoutMs: number;
  logger: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
  /**
   * On a cleartext listener whose clients wait for the greeting, a header from an untrusted peer
   * arrives as its first bytes: close such a connection. (SMTP's early-talker check and a TLS
   * handshake refuse it by themselves.)
   */
  watchUntrusted?: boolean;
}

/**
 * The PROXY protocol at the door of one listener (ADR 0025): a peer in PROXY_TRUSTED_CIDRS must
 * open with a v1 or v2 header, which names the real client; without a valid one in time its
 * connection is closed, so a misconfigured load balancer is noticed at once. Anyone else is served
 * as a direct client and may not send a header. What comes after the header is left in the socket
 * for the protocol server.
 */
export class ProxyGate {
  private readonly logThrottle = new LogThrottle();
  private readonly labels: { protocol: string; listener: string };

  constructor(private readonly options: ProxyGateOptions) {
    this.labels = { protocol: options.protocol, listener: options.listener };
    for (const outcome of ['accepted', 'local', 'missing', 'invalid', 'untrusted'] as const) outcomes().add(0, { ...this.labels, outcome });
  }

  /** The gate of a listener, or none when PROXY_PROTOCOL_LISTENERS does not name it. */
  static of(settings: ProxyProtocolSettings | undefined, o: Omit<ProxyGateOptions, 'trusted' | 'headerTimeoutMs'>): ProxyGate | undefined {
    if (!settings?.listeners.includes(o.listener)) return undefined;
    return new ProxyGate({ ...o, trusted: settings.trusted, headerTimeoutMs: settings.headerTimeoutMs });
  }

  /** Calls `next` with the real client once it is known; a refused connection is closed and `next` never called. */
  accept(socket: Socket, next: (peer: ClientPeer) => void): void {
    if (!this.options.trusted.has(socket.remoteAddress)) {
      if (this.options.watchUntrusted) this.watchFirstBytes(socket);
      next(socketPeer(socket));
      return;
    }
    this.readHeader(socket, next);
  }

  private readHeader(socket: Socket, next: (peer: ClientPeer) => void): void {
    let buffered: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (outcome: ProxyOutcome, detail?: string): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      socket.removeListener('readable', onReadable);
      socket.removeListener('close', onGone);
      socket.removeListener('error', onGone);
      outcomes().add(1, { ...this.labels, outcome });
      if (outcome === 'missing' || outcome === 'invalid') {
        this.refuse(socket, outcome, detail);
        return false;
      }
      return true;
    };
    const onGone = () => finish('missing', 'connection closed before the header');
    const onReadable = () => {
      let chunk: Buffer | null;
      while (!done && (chunk = socket.read() as Buffer | null) !== null) {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        const result = parseProxyHeader(buffered);
        if (result.status === 'incomplete') {
          if (buffered.length > MAX_HEADER_BYTES) finish('invalid', 'header too long');
          continue;
        }
        if (result.status === 'invalid') {
          finish('invalid', result.reason);
          return;
        }
        const rest = buffered.subarray(result.consumed);
        const { header } = result;
        const proxied = header.command === 'PROXY' && header.source && (header.family === 'TCP4' || header.family === 'TCP6');
        if (!finish(proxied ? 'accepted' : 'local')) return;
        if (rest.length) socket.unshift(rest);
        const via = plainAddress(socket.remoteAddress);
        // LOCAL (v2) and UNKNOWN (v1): the balancer's own connection, a health check
        next(proxied && header.source ? { address: plainAddress(header.source.address), port: header.source.port, via } : socketPeer(socket));
        return;
      }
    };
    const timer = setTimeout(() => finish('missing', `no header within ${this.options.headerTimeoutMs} ms`), this.options.headerTimeoutMs);
    timer.unref();
    socket.on('readable', onReadable);
    socket.once('close', onGone);
    socket.once('error', onGone);
  }

  private watchFirstBytes(socket: Socket): void {
    socket.prependOnceListener('data', (chunk: Buffer) => {
      if (!looksLikeProxyHeader(chunk)) return;
      outcomes().add(1, { ...this.labels, outcome: 'untrusted' });
      this.refuse(socket, 'untrusted', 'PROXY header from a peer outside PROXY_TRUSTED_CIDRS');
    });
  }

  private refuse(socket: Socket, outcome: ProxyOutcome, detail?: string): void {
    const held = this.logThrottle.take(outcome);
    if (held !== undefined) this.options.logger.warn({ ...this.labels, outcome, peer: socket.remoteAddress, detail, alsoRefusedSinceLastLine: held || undefined }, 'PROXY protocol: connection refused');
    socket.on('error', () => undefined);
    socket.destroy();
  }
}
