import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';

/** A raw-socket POP3 client for tests: sends bytes as given, reads replies byte-exact. */
export class Pop3TestClient {
  private buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(private socket: Socket) {
    this.listen(socket);
  }

  static async connect(port: number, opts: { tls?: boolean } = {}): Promise<Pop3TestClient> {
    const socket = opts.tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : netConnect({ port, host: '127.0.0.1' });
    await once(socket, opts.tls ? 'secureConnect' : 'connect');
    return new Pop3TestClient(socket);
  }

  private listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  get encrypted(): boolean {
    return 'encrypted' in this.socket;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  private async waitFor<T>(take: () => T | undefined): Promise<T> {
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.ended) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1'))}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** one line, CRLF stripped */
  readLine(): Promise<string> {
    return this.waitFor(() => {
      const i = this.buffer.indexOf('\r\n');
      if (i === -1) return undefined;
      const line = this.buffer.subarray(0, i).toString('latin1');
      this.buffer = this.buffer.subarray(i + 2);
      return line;
    });
  }

  /** the raw (still dot-stuffed) body of a multi-line response, up to but excluding ".\r\n" */
  readMultilineBody(): Promise<Buffer> {
    return this.waitFor(() => {
      if (this.buffer.subarray(0, 3).equals(Buffer.from('.\r\n'))) {
        this.buffer = this.buffer.subarray(3);
        return Buffer.alloc(0);
      }
      const i = this.buffer.indexOf('\r\n.\r\n');
      if (i === -1) return undefined;
      const body = this.buffer.subarray(0, i + 2);
      this.buffer = this.buffer.subarray(i + 5);
      return body;
    });
  }

  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return this.readLine();
  }

  /** status line and body lines (still stuffed) of a multi-line command */
  async multi(line: string): Promise<{ status: string; lines: string[]; body: Buffer }> {
    const status = await this.command(line);
    if (!status.startsWith('+OK')) return { status, lines: [], body: Buffer.alloc(0) };
    const body = await this.readMultilineBody();
    const text = body.toString('latin1');
    return { status, body, lines: text === '' ? [] : text.slice(0, -2).split('\r\n') };
  }

  async startTls(): Promise<void> {
    const secure = tlsConnect({ socket: this.socket, rejectUnauthorized: false });
    await once(secure, 'secureConnect');
    this.socket.removeAllListeners('data');
    this.socket = secure;
    this.listen(secure);
  }

  /** waits until the server closed the connection; returns what it sent meanwhile */
  async closed(): Promise<string> {
    await this.waitFor(() => (this.ended ? true : undefined)).catch(() => undefined);
    return this.buffer.toString('latin1');
  }

  destroy(): void {
    this.socket.destroy();
  }

  async end(): Promise<void> {
    if (this.socket.destroyed) return;
    this.socket.end();
    await once(this.socket, 'close');
  }
}
