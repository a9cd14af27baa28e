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
 */
export class SocketOutput {
  private batching = false;
  private corked = false;
  private gathered = '';

  /** the client's socket, or the compressor in front of it after COMPRESS=DEFLATE (RFC 4978) */
  constructor(public socket: Socket | Writable) {}

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
    if (!this.batching) return this.write(text);
    this.gathered += text;
    return this.gathered.length < GATHER_CHARS ? undefined : this.write(this.takeGathered());
  }

  /**
   * Ends the connection once what was written went out: through the compressor first when
   * COMPRESS is active (ending the real socket at once would lose its last, still deflating, bytes).
   */
  end(): void {
    this.socket.end();
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
