import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { ConnectionClosedError, waitForDrain } from '../socket-write.js';

export { ConnectionClosedError };

/** response text gathered inside a batch before it is handed to the socket as one write */
const GATHER_CHARS = 32 * 1024;

/**
 * Writes to the client with backpressure: at most the socket's high-water mark sits in memory.
 * Inside a batch (a FETCH of thousands of messages) writes are corked and go out together whenever
 * the high-water mark is reached: one system call per ~16 KiB instead of one per response line.
 * Response lines of a batch are also joined into one string of ~32 K characters before they reach
 * the socket: a write per line costs the stream a chunk, an encoding and a callback each.
 *
 * Outside a batch, text sent in one turn of the event loop (a command's untagged responses and its
 * tagged reply, SELECT's eight lines) is joined and written once, when that turn's promise jobs have
 * run (`process.nextTick`): one system call per command instead of one per line, as Dovecot corks
 * its output per command. Whatever waits for the client (a continuation, IDLE) has awaited I/O by
 * then, so its line is out before the client is expected to answer. A line is never held longer.
 */
export class SocketOutput {
  private batching = false;
  private corked = false;
  private gathered = '';
  private flushQueued = false;
  /** set while the socket holds more than its high-water mark after a joined write: senders wait for it */
  private draining: Promise<void> | null = null;
  private target: Socket | Writable;

  constructor(socket: Socket | Writable) {
    this.target = socket;
  }

  /** the client's socket, or the compressor in front of it after COMPRESS=DEFLATE (RFC 4978) */
  get socket(): Socket | Writable {
    return this.target;
  }

  /** text gathered for the old transport goes out on it first (STARTTLS's and COMPRESS's OK are sent in the clear) */
  set socket(next: Socket | Writable) {
    this.flushGathered();
    this.target = next;
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  startBatch(): void {
    this.batching = true;
    this.cork();
  }

  endBatch(): void {
    this.batching = false;
    // what is left of the batch goes out now; the socket holds it if the client reads slowly
    if (this.gathered && !this.closed) this.socket.write(this.takeGathered());
    this.gathered = '';
    this.uncork();
  }

  async send(data: string | Buffer): Promise<void> {
    if (typeof data === 'string') return this.queue(data);
    if (this.closed) throw new ConnectionClosedError();
    // a literal's bytes follow the text that announced it
    if (this.gathered) await this.write(this.takeGathered());
    return this.write(data);
  }

  /**
   * send() for text, without a promise per line: inside a batch it gives undefined when the text
   * was only gathered, and the write to wait for when the gathered text went to the socket.
   */
  queue(text: string): Promise<void> | undefined {
    if (this.closed) return Promise.reject(new ConnectionClosedError());
    this.gathered += text;
    if (this.batching) return this.gathered.length < GATHER_CHARS ? undefined : this.write(this.takeGathered());
    if (this.gathered.length >= GATHER_CHARS) return this.write(this.takeGathered());
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => {
        this.flushQueued = false;
        if (!this.batching) this.flushGathered();
      });
    }
    return this.draining ?? undefined;
  }

  /**
   * Ends the connection once what was written went out: through the compressor first when
   * COMPRESS is active (ending the real socket at once would lose its last, still deflating, bytes).
   */
  end(): void {
    this.flushGathered();
    this.socket.end();
  }

  /** writes the text gathered outside a batch now; a full socket makes later senders wait for its drain */
  private flushGathered(): void {
    if (!this.gathered || this.closed) return;
    const socket = this.socket;
    if (socket.write(this.takeGathered()) || this.draining) return;
    // nobody may be waiting when the client goes away: later sends fail on the closed socket instead
    this.draining = waitForDrain(socket)
      .catch(() => undefined)
      .finally(() => {
        this.draining = null;
      });
  }

  private takeGathered(): string {
    const text = this.gathered;
    this.gathered = '';
    return text;
  }

  private async write(data: string | Buffer): Promise<void> {
    if (this.socket.write(data)) return;
    // a corked socket never drains: let the batch go out, then wait for it
    this.uncork();
    await waitForDrain(this.socket);
    if (this.batching) this.cork();
  }

  private cork(): void {
    if (this.corked || this.closed) return;
    this.socket.cork();
    this.corked = true;
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }
}
