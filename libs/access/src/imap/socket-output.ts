import type { Socket } from 'node:net';

export class ConnectionClosedError extends Error {
  constructor() {
    super('connection closed');
    this.name = 'ConnectionClosedError';
  }
}

/**
 * Writes to the client with backpressure: at most the socket's high-water mark sits in memory.
 * Inside a batch (a FETCH of thousands of messages) writes are corked and go out together whenever
 * the high-water mark is reached: one system call per ~16 KiB instead of one per response line.
 */
export class SocketOutput {
  private batching = false;
  private corked = false;

  constructor(public socket: Socket) {}

  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  startBatch(): void {
    this.batching = true;
    this.cork();
  }

  endBatch(): void {
    this.batching = false;
    this.uncork();
  }

  async send(data: string | Buffer): Promise<void> {
    if (this.closed) throw new ConnectionClosedError();
    if (this.socket.write(data)) return;
    // a corked socket never drains: let the batch go out, then wait for it
    this.uncork();
    await new Promise<void>((resolve, reject) => {
      const socket = this.socket;
      const done = (err?: Error) => {
        socket.off('drain', onDrain);
        socket.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new ConnectionClosedError());
      socket.on('drain', onDrain);
      socket.on('close', onClose);
    });
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
