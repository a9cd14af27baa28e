import type { Readable } from 'node:stream';

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob ${key} not found`);
    this.name = 'BlobNotFoundError';
  }
}

/**
 * Message bodies (claim check): written once by whoever received the message, read by key by
 * everyone else. Filesystem in embedded mode, S3 (MinIO) in distributed mode.
 */
export abstract class BlobStore {
  /** resolves only when the blob is durable */
  abstract put(key: string, body: Readable | Buffer): Promise<{ size: number }>;
  abstract get(key: string): Promise<Readable>;
  /** bytes [start, end) */
  abstract getRange(key: string, start: number, end: number): Promise<Readable>;
  abstract stat(key: string): Promise<{ size: number } | null>;
  abstract delete(key: string): Promise<void>;
  abstract ping(): Promise<void>;
}
