import type { Socket } from 'node:net';

/** Resolves when the socket wants more data; rejects if it closes first (the reader went away). */
export function waitForDrain(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.reject(new Error('connection closed'));
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('connection closed'));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/** Writes with backpressure: never queues more than the socket's high-water mark in memory. */
export async function writeWithBackpressure(socket: Socket, data: Buffer | string): Promise<void> {
  if (socket.destroyed || socket.writableEnded) throw new Error('connection closed');
  if (!socket.write(data)) await waitForDrain(socket);
}
