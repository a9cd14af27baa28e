import net from 'node:net';
import tls from 'node:tls';

/** A bare SMTP line client for tests: sends exactly what it is told and returns whole replies. */
export class RawSmtpClient {
  private buffer = '';
  private replies: string[] = [];
  private waiters: Array<(reply: string) => void> = [];
  private closed = false;

  private constructor(readonly socket: net.Socket | tls.TLSSocket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w('');
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<{ client: RawSmtpClient; greeting: string }> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawSmtpClient(socket);
    return { client, greeting: await client.read() };
  }

  private onData(d: string): void {
    this.buffer += d;
    for (;;) {
      const m = /^((?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\n)/.exec(this.buffer);
      if (!m) break;
      this.buffer = this.buffer.slice(m[1].length);
      const reply = m[1].replace(/\r?\n$/, '');
      const w = this.waiters.shift();
      if (w) w(reply);
      else this.replies.push(reply);
    }
  }

  /** The next whole reply ('' once the server closed the connection). */
  read(): Promise<string> {
    const r = this.replies.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.closed) return Promise.resolve('');
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async cmd(line: string): Promise<string> {
    this.write(line + '\r\n');
    return this.read();
  }

  /** STARTTLS, then a client on the TLS socket (the server's reply to STARTTLS is returned with it). */
  async startTls(): Promise<{ client: RawSmtpClient; reply: string }> {
    const reply = await this.cmd('STARTTLS');
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket as net.Socket, rejectUnauthorized: false, servername: 'mx.test' });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    return { client: new RawSmtpClient(secure), reply };
  }

  close(): void {
    this.socket.destroy();
  }
}
