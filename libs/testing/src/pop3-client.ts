import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/**
 * A minimal POP3 client for tests: one command at a time, single- and multi-line replies,
 * STLS upgrade. Multi-line replies are returned un-dot-stuffed, as raw bytes.
 */
export class Pop3TestClient {
  private buffer = Buffer.alloc(0);
  private waiter?: () => void;
  private constructor(private socket: Socket | TLSSocket) {
    this.attach();
  }

  static async connect(host: string, port: number): Promise<{ client: Pop3TestClient; greeting: string }> {
    const socket = netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new Pop3TestClient(socket);
    const greeting = await client.readLine();
    return { client, greeting };
  }

  private attach(): void {
    this.socket.on('data', (c: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, c]);
      this.waiter?.();
    });
    this.socket.on('error', () => undefined);
  }

  private async waitFor(pred: () => number): Promise<number> {
    for (;;) {
      const idx = pred();
      if (idx >= 0) return idx;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`POP3 reply timed out; buffer: ${this.buffer.toString().slice(0, 200)}`)), 15_000);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  async readLine(): Promise<string> {
    const idx = await this.waitFor(() => this.buffer.indexOf('\r\n'));
    const line = this.buffer.subarray(0, idx).toString('latin1');
    this.buffer = this.buffer.subarray(idx + 2);
    return line;
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.readLine();
  }

  /** A command with a multi-line answer: status line, then the body (dot-unstuffed) */
  async multiline(line: string): Promise<{ status: string; body: Buffer }> {
    const status = await this.command(line);
    if (!status.startsWith('+OK')) return { status, body: Buffer.alloc(0) };
    const end = await this.waitFor(() => (this.buffer.subarray(0, 3).toString() === '.\r\n' ? 0 : this.buffer.indexOf('\r\n.\r\n') >= 0 ? this.buffer.indexOf('\r\n.\r\n') + 2 : -1));
    const raw = this.buffer.subarray(0, end);
    this.buffer = this.buffer.subarray(end + 3);
    const body = Buffer.from(raw.toString('latin1').replace(/(^|\r\n)\.\./g, '$1.'), 'latin1');
    return { status, body };
  }

  async stls(): Promise<string> {
    const reply = await this.command('STLS');
    if (!reply.startsWith('+OK')) return reply;
    this.socket.removeAllListeners('data');
    const secure = tlsConnect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buffer = Buffer.alloc(0);
    this.attach();
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}
