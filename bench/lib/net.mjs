// Small socket helpers shared by the load clients.
import { connect } from 'node:net';
import { createRequire } from 'node:module';

// one way to pick ports for both systems: outside the ephemeral range (see libs/testing free-port.ts)
export const { freePort } = createRequire(import.meta.url)('@mail/testing');

export async function waitPort(port, host = '127.0.0.1', timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A socket read as lines, with a way to take a counted number of raw bytes (IMAP literals).
 * Consumers await line() / bytes(n); nothing is buffered beyond what the server sent.
 */
export class LineSocket {
  constructor(socket) {
    this.socket = socket;
    this.chunks = [];
    this.buffered = 0;
    this.waiter = null;
    this.closed = false;
    this.error = null;
    socket.on('data', (c) => {
      this.chunks.push(c);
      this.buffered += c.length;
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      s.setNoDelay(true);
      s.once('connect', () => resolve(new LineSocket(s)));
      s.once('error', reject);
    });
  }

  wake() {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  flat() {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  async wait() {
    if (this.error) throw this.error;
    if (this.closed) throw new Error('connection closed by server');
    await new Promise((r) => (this.waiter = r));
  }

  /** One line without CRLF, as a latin1 string (mail protocols are bytes). */
  async line() {
    for (;;) {
      if (this.buffered) {
        const buf = this.flat();
        const i = buf.indexOf(10);
        if (i >= 0) {
          const end = i > 0 && buf[i - 1] === 13 ? i - 1 : i;
          const s = buf.latin1Slice(0, end);
          this.chunks = i + 1 < buf.length ? [buf.subarray(i + 1)] : [];
          this.buffered = buf.length - i - 1;
          return s;
        }
      }
      await this.wait();
    }
  }

  async bytes(n) {
    while (this.buffered < n) await this.wait();
    const buf = this.flat();
    const out = buf.subarray(0, n);
    this.chunks = n < buf.length ? [buf.subarray(n)] : [];
    this.buffered = buf.length - n;
    return out;
  }

  write(data) {
    return this.socket.write(data);
  }

  close() {
    this.socket.destroy();
  }
}
