import type { Socket } from 'node:net';
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

/** compressed input is fed to the inflater in slices this big, so one slice inflates to at most ~1 MiB */
const INPUT_SLICE = 1024;

/**
 * COMPRESS=DEFLATE (RFC 4978) on a connection: raw deflate both ways. Output is flushed
 * (Z_SYNC_FLUSH) with every write so each response reaches the client at once. Input goes through
 * the inflater in small slices with backpressure: while the session does not read (a command is
 * running) the inflater holds back and the socket is paused, so a compressed bomb cannot make the
 * connection buffer more than about a megabyte.
 */
export class DeflateTransport {
  readonly deflate: DeflateRaw;
  readonly inflate: InflateRaw;

  constructor(
    private readonly socket: Socket,
    onData: (chunk: Buffer) => void,
  ) {
    this.deflate = createDeflateRaw({ flush: constants.Z_SYNC_FLUSH });
    this.inflate = createInflateRaw();
    this.deflate.pipe(socket);
    this.inflate.on('data', onData);
    const fail = () => socket.destroy();
    this.inflate.on('error', fail);
    this.deflate.on('error', fail);
    socket.once('close', () => {
      this.inflate.destroy();
      this.deflate.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i += INPUT_SLICE) this.inflate.write(chunk.subarray(i, i + INPUT_SLICE));
      if (this.inflate.writableNeedDrain) {
        socket.pause();
        this.inflate.once('drain', () => socket.resume());
      }
    });
  }

  /** the session stops reading: inflated data waits in the inflater, then in the socket */
  pause(): void {
    this.inflate.pause();
  }

  resume(): void {
    this.inflate.resume();
  }
}
