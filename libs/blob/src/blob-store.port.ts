import type { Readable } from 'node:stream';

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob ${key} not found`);
    this.name = 'BlobNotFoundError';
  }
}

export interface PutOptions {
  /**
   * 'with-next-commit': the caller answers no one before a later synchronous commit covers the
   * body, so a body kept as a PostgreSQL row may commit without waiting for its own WAL flush (the
   * later commit's flush covers every earlier WAL record of that server). The caller makes sure of
   * that: its commit checks that the row is visible to it (`inlineBodyVisible`: ADR 0067 for the
   * queue, ADR 0073 for IMAP APPEND), or it calls `flushPut` before answering. Committing on the
   * same database is not enough: a failover between the two commits loses the row. A store that does
   * not keep the body in a database (S3, a directory, a body over the inline limit) is durable at
   * once as always, and says so in the put's result.
   *
   * 'by-caller': a body the store would keep as a PostgreSQL row is not written at all: the put
   * answers it in `held`, and the caller's own statement writes the row (`inlineBodyInsert`) in
   * the transaction that refers to it, on the same database (ADR 0073). Larger bodies, and stores
   * that keep no rows, write as with 'now'.
   */
  flush?: 'now' | 'with-next-commit' | 'by-caller';
}

export interface PutResult {
  size: number;
  /**
   * Only with `flush: 'with-next-commit'`: the body is a row committed without its own flush (ADR
   * 0067). Absent: the body is durable now.
   */
  deferred?: true;
  /**
   * Only with `flush: 'by-caller'`: the body's bytes, written nowhere yet; the caller's statement
   * writes them (`inlineBodyInsert`) or, where it cannot, the caller puts them itself.
   */
  held?: Buffer;
}

/**
 * Message bodies (claim check): written once by whoever received the message, read by key by
 * everyone else. Filesystem in embedded mode, S3 (MinIO) in distributed mode.
 */
export abstract class BlobStore {
  /** resolves only when the blob is durable (or, with `flush: 'with-next-commit'` and `deferred` in the result, will be with the caller's commit) */
  abstract put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<PutResult>;
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
   * Makes a put that resolved `deferred` durable, and answers whether this store holds the blob:
   * false when it is gone (a row committed, not flushed, on a server that failed over since: ADR
   * 0067). A store whose puts are durable when they resolve only looks.
   */
  async flushPut(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }
}
