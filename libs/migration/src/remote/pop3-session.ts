import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { PassThrough, type Readable } from 'node:stream';
import { MultilineDecoder, Pop3ReplyError, ReplyLineBuffer, bodyLines, parseCapa, parseListListing, parseStat, parseStatusLine, parseUidlListing } from '@mail/pop3-protocol';
import type { RemoteCredentials, RemoteSessionSettings } from './imap-remote.js';
import type { RemoteEndpoint } from './remote-endpoint.js';
import { RemoteError, classifyRemoteError } from './remote-error.js';
import { remoteTlsOptions } from './remote-tls.js';

/** A listing (UIDL, LIST, CAPA) is held whole; 100,000 messages' UIDL is a few MB, this bounds a hostile one. */
const MAX_LISTING_BYTES = 32 * 1024 * 1024;

/**
 * A POP3 client session (RFC 1939, CAPA/RFC 2449, STLS/RFC 2595): the socket adapter around the
 * pure reply parsing of @mail/pop3-protocol. One command at a time; a message body streams
 * through (RETR), everything else is a line or a bounded listing. Any protocol breach, timeout or
 * closed connection ends the session with a RemoteError.
 */
export class Pop3Session {
  private socket!: Socket | TLSSocket;
  private chunks: Buffer[] = [];
  private wake: (() => void) | undefined;
  private failure: RemoteError | undefined;
  capabilities = new Map<string, string[]>();

  private constructor(
    private readonly endpoint: RemoteEndpoint,
    private readonly settings: RemoteSessionSettings,
  ) {}

  static async open(endpoint: RemoteEndpoint, credentials: RemoteCredentials, settings: RemoteSessionSettings): Promise<Pop3Session> {
    const session = new Pop3Session(endpoint, settings);
    try {
      await session.connect();
      await session.login(credentials);
    } catch (err) {
      session.close();
      throw classifyRemoteError(err);
    }
    return session;
  }

  private async connect(): Promise<void> {
    const { host, port, tls } = this.endpoint;
    const tlsOptions = remoteTlsOptions(host, this.settings);
    const socket = tls === 'implicit' ? tlsConnect({ host, port, ...tlsOptions }) : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RemoteError('timeout', `no connection to ${host}:${port} within ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
      socket.once(tls === 'implicit' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    this.attach(socket);
    const greeting = await this.status();
    if (!greeting.ok) throw new RemoteError('connect', `server refused the session: ${greeting.text}`);
    this.capabilities = await this.capa();
    if (tls === 'starttls') await this.startTls();
  }

  private async startTls(): Promise<void> {
    if (!this.capabilities.has('STLS')) throw new RemoteError('tls', `${this.endpoint.host} does not offer STLS`);
    const reply = await this.command('STLS');
    if (!reply.ok) throw new RemoteError('tls', `STLS refused: ${reply.text}`);
    // bytes after the +OK and before the handshake would be cleartext injected into the TLS session
    if (this.chunks.length) throw new RemoteError('tls', 'server sent data after accepting STLS');
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('timeout');
    const secure = tlsConnect({ socket: plain, ...remoteTlsOptions(this.endpoint.host, this.settings) });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.attach(secure);
    // the capabilities before TLS were open to tampering (RFC 2595 §4): ask again
    this.capabilities = await this.capa();
  }

  private async login(credentials: RemoteCredentials): Promise<void> {
    const user = await this.command(`USER ${credentials.username}`);
    if (!user.ok) throw authFailure(user.text);
    const pass = await this.command(`PASS ${credentials.password}`);
    if (!pass.ok) throw authFailure(pass.text);
  }

  async stat(): Promise<{ count: number; size: number }> {
    const reply = await this.command('STAT');
    if (!reply.ok) throw new RemoteError('protocol', `STAT refused: ${reply.text}`);
    return parseStat(reply.text);
  }

  /** Every message's unique id (needs the UIDL capability or a server that answers it anyway). */
  async uidl(): Promise<Array<{ msg: number; uid: string }>> {
    return parseUidlListing(await this.listing('UIDL'));
  }

  async list(): Promise<Map<number, number>> {
    return parseListListing(await this.listing('LIST'));
  }

  /**
   * The message's bytes as a stream, dot-unstuffed. The stream errors if the connection ends
   * before the terminating dot or the message exceeds `maxMessageBytes`: a truncated message is
   * never taken for a whole one.
   */
  async retr(msg: number): Promise<Readable> {
    const reply = await this.command(`RETR ${msg}`);
    if (!reply.ok) throw new RemoteError('protocol', `RETR ${msg} refused: ${reply.text}`);
    const out = new PassThrough({ highWaterMark: 256 * 1024 });
    void this.pumpBody(out);
    return out;
  }

  async dele(msg: number): Promise<void> {
    const reply = await this.command(`DELE ${msg}`);
    if (!reply.ok) throw new RemoteError('protocol', `DELE ${msg} refused: ${reply.text}`);
  }

  /** Ends the session; the server applies the DELEs only now (RFC 1939 §6), so deletions count only once this resolved. */
  async quit(): Promise<void> {
    const reply = await this.command('QUIT');
    this.close();
    if (!reply.ok) throw new RemoteError('protocol', `QUIT failed, messages marked for deletion stay: ${reply.text}`);
  }

  close(): void {
    this.socket?.destroy();
  }

  private async capa(): Promise<Map<string, string[]>> {
    this.write('CAPA');
    const reply = await this.status();
    // a server without CAPA answers -ERR: it has only what RFC 1939 gives everyone
    if (!reply.ok) return new Map();
    return parseCapa(bodyLines(await this.collectBody()));
  }

  private async listing(command: string): Promise<string[]> {
    const reply = await this.command(command);
    if (!reply.ok) throw new RemoteError('protocol', `${command} refused: ${reply.text}`);
    return bodyLines(await this.collectBody());
  }

  private async command(line: string): Promise<{ ok: boolean; text: string }> {
    this.write(line);
    return this.status();
  }

  private write(line: string): void {
    if (/[\r\n]/.test(line)) throw new RemoteError('protocol', 'a command argument holds a line break');
    this.socket.write(`${line}\r\n`);
  }

  private attach(socket: Socket | TLSSocket): void {
    this.socket = socket;
    socket.setTimeout(this.settings.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.notify();
    });
    socket.on('timeout', () => this.fail(new RemoteError('timeout', `${this.endpoint.host} did not answer within ${this.settings.timeoutMs} ms`)));
    socket.on('error', (err) => this.fail(classifyRemoteError(err)));
    socket.on('close', () => this.fail(new RemoteError('connect', `${this.endpoint.host} closed the connection`)));
  }

  private fail(err: RemoteError): void {
    this.failure ??= err;
    this.socket.destroy();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next chunk the server sent, waiting for it if need be. */
  private async next(): Promise<Buffer> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) return chunk;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private async status(): Promise<{ ok: boolean; text: string }> {
    const lines = new ReplyLineBuffer();
    for (;;) {
      const chunk = await this.next();
      const got = lines.feed(chunk);
      if (!got) continue;
      if (got.next < chunk.length) this.chunks.unshift(chunk.subarray(got.next));
      return parseStatusLine(got.line);
    }
  }

  private async collectBody(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    await this.readBody((data) => {
      size += data.length;
      if (size > MAX_LISTING_BYTES) throw new Pop3ReplyError(`listing larger than ${MAX_LISTING_BYTES} octets`);
      parts.push(data);
    });
    return Buffer.concat(parts);
  }

  /** Feeds a multi-line body to `onData` up to its terminating dot; what follows it stays queued. */
  private async readBody(onData: (data: Buffer) => void | Promise<void>): Promise<void> {
    const decoder = new MultilineDecoder();
    for (;;) {
      const chunk = await this.next();
      const r = decoder.feed(chunk);
      for (const d of r.data) await onData(d);
      if (r.endedAt !== undefined) {
        if (r.endedAt < chunk.length) this.chunks.unshift(chunk.subarray(r.endedAt));
        return;
      }
    }
  }

  private async pumpBody(out: PassThrough): Promise<void> {
    let size = 0;
    try {
      await this.readBody(async (data) => {
        size += data.length;
        if (size > this.settings.maxMessageBytes) throw new RemoteError('protocol', `message larger than ${this.settings.maxMessageBytes} octets`);
        if (!out.write(data)) {
          await new Promise<void>((resolve) => {
            out.once('drain', resolve);
            out.once('close', resolve);
          });
          if (out.destroyed) throw new RemoteError('protocol', 'the reader of the message went away');
        }
      });
      out.end();
    } catch (err) {
      const failure = classifyRemoteError(err);
      this.fail(failure);
      out.destroy(failure);
    }
  }
}

/** RFC 3206: `[SYS/TEMP]`, `[SYS/PERM]` and `[IN-USE]` are not the password's fault; anything else refused at login is. */
function authFailure(text: string): RemoteError {
  if (/^\[(SYS\/|IN-USE)/i.test(text)) return new RemoteError('protocol', `login refused for a reason other than the password: ${text}`);
  return new RemoteError('auth', `login failed: ${text || 'no reason given'}`);
}
