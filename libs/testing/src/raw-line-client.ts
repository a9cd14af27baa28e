import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * A line-level connection for protocol tests that must control every byte (NULs, bad UTF-8, a
 * client that trickles): what is sent goes out exactly as written, no client library cleans it.
 * Text is read as latin1, so any byte the server sends back survives.
 */
export class RawLineClient {
  private text = '';
  closed = false;
  private wake: (() => void) | undefined;

  private constructor(private socket: Socket) {
    this.listen(socket);
  }

  private listen(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.text += d;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  /** connects to 127.0.0.1:`port`, from `localAddress` when given (another loopback address is another client) */
  static async open(port: number, localAddress?: string): Promise<RawLineClient> {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawLineClient(socket);
  }

  /** the next complete line matching `re` (or '' at close); consumes everything up to it */
  async line(re: RegExp): Promise<string> {
    for (;;) {
      const lines = this.text.split('\r\n');
      const i = lines.slice(0, -1).findIndex((l) => re.test(l));
      if (i >= 0) {
        this.text = lines.slice(i + 1).join('\r\n');
        return lines[i];
      }
      if (this.closed) return '';
      await this.next();
    }
  }

  /** waits for a line starting with `prefix` (or the close); returns everything read so far, consuming nothing */
  async until(prefix: string): Promise<string> {
    while (!this.closed && !this.text.split('\r\n').some((l) => l.startsWith(prefix))) await this.next();
    return this.text;
  }

  /**
   * Continues over TLS on the same connection, after the server said yes to STARTTLS/STLS (any
   * certificate: the tests' are self-signed). Unread plaintext is dropped, as RFC 3207 requires.
   */
  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    this.text = '';
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.listen(secure);
  }

  /** the bytes as written (latin1: one byte per character) */
  send(data: string): void {
    this.socket.write(Buffer.from(data, 'latin1'));
  }

  sendLine(line: string): void {
    this.send(`${line}\r\n`);
  }

  close(): void {
    this.socket.destroy();
  }

  private next(): Promise<void> {
    return new Promise<void>((r) => (this.wake = r));
  }
}
