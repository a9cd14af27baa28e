import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { assertSafeKey } from './blob-key.js';
import { BlobNotFoundError, BlobStore } from './blob-store.port.js';

/**
 * Blobs as files. Written to a temporary name, fsynced, then renamed: a crash leaves either no
 * blob or a whole one, never half a message under its key.
 */
export class FsBlobStore extends BlobStore {
  constructor(private readonly root: string) {
    super();
  }

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.root, key);
  }

  async put(key: string, body: Readable | Buffer): Promise<{ size: number }> {
    const target = this.path(key);
    // DATA_DIR is private: message bodies are readable by the platform's user only
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const tmp = join(dirname(target), `.tmp-${randomUUID()}`);
    let size = 0;
    try {
      // A loop into a file handle rather than pipeline() into a write stream: no AbortController
      // and DOMException per message (pipeline's), and the same handle is fsynced.
      const fh = await open(tmp, 'wx', 0o600);
      try {
        const chunks: Iterable<Buffer> | AsyncIterable<Buffer | string> = Buffer.isBuffer(body) ? [body] : body;
        for await (const chunk of chunks) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off)).bytesWritten;
          size += buf.length;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
      return { size };
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    return this.open(key);
  }

  async getRange(key: string, start: number, end: number): Promise<Readable> {
    if (end <= start) return Readable.from([]);
    return this.open(key, { start, end: end - 1 });
  }

  private async open(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const p = this.path(key);
    // Check first so that a missing blob is an error of the call, not a later stream event.
    if (!(await this.stat(key))) throw new BlobNotFoundError(key);
    return createReadStream(p, { highWaterMark: 256 * 1024, ...range });
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const s = await stat(this.path(key));
      return { size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
  }
}
