import type { Readable } from 'node:stream';

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob ${key} not found`);
    this.name = 'BlobNotFoundError';
  }
}

export interface PutOptions {
  /**
   * 'with-next-commit': the caller is about to commit a write on the same PostgreSQL database as
   * this store's inline rows (and answers no one before that commit is flushed), so a body kept
   * there may commit without waiting for its own WAL flush: the later commit's flush covers every
   * earlier WAL record, the body's included (ADR 0063). A store that does not keep the body in
   * that database (S3, a directory, a body over the inline limit) is durable at once as always.
   */
  flush?: 'now' | 'with-next-commit';
}

/**
 * Message bodies (claim check): written once by whoever received the message, read by key by
 * everyone else. Filesystem in embedded mode, S3 (MinIO) in distributed mode.
 */
export abstract class BlobStore {
  /** resolves only when the blob is durable (or, with `flush: 'with-next-commit'`, will be with the caller's commit) */
  abstract put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<{ size: number }>;
  abstract get(key: string): Promise<Readable>;
  /** bytes [start, end) */
  abstract getRange(key: string, start: number, end: number): Promise<Readable>;
  abstract stat(key: string): Promise<{ size: number } | null>;
  /**
   * Bytes [start, end) (to the blob's end if shorter; `end` omitted: the whole blob) when this store
   * holds them in memory already, else null: a cache answers a hit without building a stream that
   * its reader would only collect back into a buffer.
   */
  fromMemory(_key: string, _start = 0, _end?: number): Buffer | null {
    return null;
  }
  abstract delete(key: string): Promise<void>;
  abstract ping(): Promise<void>;
  /**
   * Which write-ahead log a put with `flush: 'with-next-commit'` may sit in, committed but not yet
   * flushed: a PostgreSQL cluster's identity (`walIdentity`), or undefined when every put is durable
   * when it resolves. A caller whose next commit goes to another service's database compares this
   * with the WAL that service says it committed to (ADR 0061), and calls `flush()` when they differ.
   */
  get durabilityScope(): string | undefined {
    return undefined;
  }
  /** makes every put that resolved before this call durable (deferred ones included) */
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
