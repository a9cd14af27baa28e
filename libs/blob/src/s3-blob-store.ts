import type { Client } from 'minio';
import { Readable } from 'node:stream';
import { assertSafeKey } from './blob-key.js';
import { uploadStream } from './chunked-upload.js';
import { BlobNotFoundError, BlobStore } from './blob-store.port.js';

export interface S3Options {
  /** e.g. http://minio:9000 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
}

/** Blobs in S3-compatible storage (MinIO in production, s3rver in tests). */
export class S3BlobStore extends BlobStore {
  private client?: Promise<Client>;
  private bucketReady?: Promise<void>;

  constructor(private readonly opts: S3Options) {
    super();
  }

  /**
   * minio's client, its ~40 modules loaded at the first request (ADR 0070): every process loads
   * this library, most never talk to S3 (the embedded mode keeps bodies in a directory).
   */
  private connect(): Promise<Client> {
    this.client ??= import('./minio-client.js').then((m) => m.minioClient(this.opts));
    return this.client;
  }

  /** Creates the bucket on first use, so a fresh MinIO needs no set-up step. */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      const client = await this.connect();
      const exists = await client.bucketExists(this.opts.bucket).catch(() => false);
      if (!exists) {
        await client.makeBucket(this.opts.bucket, this.opts.region ?? 'us-east-1').catch(async (err) => {
          if (!(await client.bucketExists(this.opts.bucket).catch(() => false))) throw err;
        });
      }
    })().catch((err) => {
      this.bucketReady = undefined;
      throw err;
    });
    return this.bucketReady;
  }

  async put(key: string, body: Readable | Buffer): Promise<{ size: number }> {
    assertSafeKey(key);
    await this.ensureBucket();
    if (Buffer.isBuffer(body)) {
      await (await this.connect()).putObject(this.opts.bucket, key, body, body.length);
      return { size: body.length };
    }
    return { size: await uploadStream(await this.connect(), this.opts.bucket, key, body) };
  }

  async get(key: string): Promise<Readable> {
    assertSafeKey(key);
    await this.ensureBucket();
    try {
      return await (await this.connect()).getObject(this.opts.bucket, key);
    } catch (err) {
      throw mapNotFound(err, key);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Readable> {
    assertSafeKey(key);
    if (end <= start) return Readable.from([]);
    await this.ensureBucket();
    try {
      return await (await this.connect()).getPartialObject(this.opts.bucket, key, start, end - start);
    } catch (err) {
      throw mapNotFound(err, key);
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    assertSafeKey(key);
    await this.ensureBucket();
    try {
      const s = await (await this.connect()).statObject(this.opts.bucket, key);
      return { size: s.size };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await this.ensureBucket();
    await (await this.connect()).removeObject(this.opts.bucket, key);
  }

  async ping(): Promise<void> {
    await this.ensureBucket();
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchObject';
}

function mapNotFound(err: unknown, key: string): unknown {
  return isNotFound(err) ? new BlobNotFoundError(key) : err;
}
