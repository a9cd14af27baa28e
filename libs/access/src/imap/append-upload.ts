import { PassThrough } from 'node:stream';
import { newBlobKey, type BlobStore } from '@mail/blob';
import { encodeCarriedIndex } from '@mail/contracts';
import type { AppendHeader } from '@mail/imap-protocol';
import { TolerantIndexer } from '@mail/mime';

/**
 * One APPEND literal on its way into the blob store. Bytes are written as they arrive, with
 * backpressure (the session stops reading the socket while the store is slower), so a 64 MiB
 * message never sits in memory whole. They are indexed on the way, so that the store need not read
 * the blob back (ADR 0007).
 */
export class AppendUpload {
  readonly key = newBlobKey();
  /** when the APPEND's header was read (performance.now()), for its latency */
  readonly started = performance.now();
  private readonly pass = new PassThrough({ highWaterMark: 256 * 1024 });
  private readonly put: Promise<{ size: number }>;
  private failure: unknown = null;
  private readonly indexer = new TolerantIndexer();
  received = 0;

  constructor(
    readonly header: AppendHeader,
    private readonly blobs: BlobStore,
  ) {
    this.put = blobs.put(this.key, this.pass);
    this.put.catch((err: unknown) => {
      this.failure = err;
      // keep draining what the client still sends, into nowhere
      this.pass.resume();
    });
  }

  async write(data: Buffer): Promise<void> {
    this.received += data.length;
    if (this.failure || this.pass.destroyed) return;
    this.indexer.feed(data);
    if (this.pass.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.pass.off('drain', done);
        this.pass.off('close', done);
        this.pass.off('error', done);
        resolve();
      };
      this.pass.on('drain', done);
      this.pass.on('close', done);
      this.pass.on('error', done);
      // the store may fail while we wait
      void this.put.catch(done);
    });
  }

  /** resolves when the blob is durable (with its index, when it could be carried); rejects if the store failed */
  async finish(): Promise<{ key: string; size: number; index?: string }> {
    this.pass.end();
    const { size } = await this.put;
    const index = this.indexer.end();
    return { key: this.key, size, index: index && encodeCarriedIndex(index) };
  }

  /** gives up: the blob (or what exists of it) is removed */
  async abort(): Promise<void> {
    this.pass.destroy();
    await this.put.catch(() => undefined);
    await this.blobs.delete(this.key).catch(() => undefined);
  }
}
