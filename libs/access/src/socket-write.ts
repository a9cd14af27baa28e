import type { Writable } from 'node:stream';

/** The client went away while a response was being written. */
export class ConnectionClosedError extends Error {
  constructor() {
    super('connection closed');
    this.name = 'ConnectionClosedError';
  }
}

/** Resolves when the socket wants more data; rejects if it closes first (the reader went away). */
export function waitForDrain(socket: Writable): Promise<void> {
  if (socket.destroyed) return Promise.reject(new ConnectionClosedError());
  return new Promise((resolve, reject) => {
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
}

/** Writes with backpressure: never queues more than the socket's high-water mark in memory. */
export async function writeWithBackpressure(socket: Writable, data: Buffer | string): Promise<void> {
  if (socket.destroyed || socket.writableEnded) throw new ConnectionClosedError();
  if (!socket.write(data)) await waitForDrain(socket);
}
