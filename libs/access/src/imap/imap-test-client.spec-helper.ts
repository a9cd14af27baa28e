import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';

/** A line-level IMAP client for what real clients never send: malformed, oversized, pipelined input. */
export class RawImapClient {
  private data = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(private socket: Socket) {
    this.listen(socket);
  }

  private listen(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.data += chunk;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, tls = false): Promise<RawImapClient> {
    const socket = tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    await once(socket, tls ? 'secureConnect' : 'connect');
    const client = new RawImapClient(socket);
    await client.until(/^\* OK .*\r\n/m);
    return client;
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** waits until the received text matches, returns everything up to the end of the match, and consumes it */
  async until(re: RegExp): Promise<string> {
    for (;;) {
      const m = re.exec(this.data);
      if (m) {
        const end = m.index + m[0].length;
        const out = this.data.slice(0, end);
        this.data = this.data.slice(end);
        return out;
      }
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(this.data)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** sends a tagged command and returns the whole answer up to its tagged completion */
  async command(tag: string, text: string): Promise<string> {
    this.send(`${tag} ${text}\r\n`);
    return this.until(new RegExp(`^${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n`, 'm'));
  }

  async closedByServer(): Promise<void> {
    // not events.once: a write racing the close (EPIPE) would reject it, and the caller's trickle
    // timer, never cleared, would then keep the test process alive
    if (!this.closed) await new Promise((resolve) => this.socket.once('close', resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}
