import { PassThrough, Transform, type Readable } from 'node:stream';
import { BlobStore, type PutOptions, type PutResult } from './blob-store.port.js';

export interface BlobCacheOptions {
  /** bytes held in all, least recently used out first */
  maxBytes: number;
  /** larger bodies are passed through, never held */
  maxEntryBytes: number;
}

interface Entry {
  bytes: Buffer;
  /** false: `bytes` is a prefix (a range from 0 was read), the blob may be longer */
  complete: boolean;
}

/** A stream of bytes already in memory (a byte stream, not an object stream). */
function bytesStream(bytes: Buffer): Readable {
  return new PassThrough().end(bytes);
}

/**
 * Keeps the bodies most recently read in memory, bounded in bytes, in front of another blob store.
 * Blobs are immutable (a key is written once and only ever deleted), so what is held never goes
 * stale: nothing to invalidate but deletions made through this store. IMAP clients read the same
 * message several times (the header, then a part, then another; a second device; a re-sync), and
 * every miss of S3 is a signed HTTP round trip and a request on the object store, where a local
 * mail server reads its page cache.
 *
 * Whole reads and ranges from byte 0 are recorded as they stream to the caller (a range is held as
 * a prefix, enough for any later range inside it); a read the caller abandons is not kept.
 */
export class CachingBlobStore extends BlobStore {
  private readonly entries = new Map<string, Entry>();
  private heldBytes = 0;

  constructor(
    private readonly inner: BlobStore,
    private readonly opts: BlobCacheOptions,
  ) {
    super();
  }

  put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<PutResult> {
    return this.inner.put(key, body, opts);
  }

  override flushPut(key: string): Promise<boolean> {
    return this.inner.flushPut(key);
  }

  async get(key: string): Promise<Readable> {
    const hit = this.fromMemory(key);
    if (hit) return bytesStream(hit);
    return this.recording(key, await this.inner.get(key), undefined);
  }

  async getRange(key: string, start: number, end: number): Promise<Readable> {
    const hit = this.fromMemory(key, start, end);
    if (hit) return bytesStream(hit);
    const stream = await this.inner.getRange(key, start, end);
    return start === 0 ? this.recording(key, stream, end) : stream;
  }

  override fromMemory(key: string, start = 0, end?: number): Buffer | null {
    const hit = this.lookup(key);
    // a prefix answers only the ranges that end inside it
    if (!hit || !(hit.complete || (end !== undefined && end <= hit.bytes.length))) return null;
    const len = hit.bytes.length;
    const from = Math.min(start, len);
    return hit.bytes.subarray(from, Math.max(from, Math.min(end ?? len, len)));
  }

  stat(key: string): Promise<{ size: number } | null> {
    const hit = this.entries.get(key);
    if (hit?.complete) return Promise.resolve({ size: hit.bytes.length });
    return this.inner.stat(key);
  }

  async delete(key: string): Promise<void> {
    this.evict(key);
    await this.inner.delete(key);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** bytes held now (metrics, tests) */
  get size(): number {
    return this.heldBytes;
  }

  private lookup(key: string): Entry | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /**
   * The caller's stream, copying what passes until the body proves too large. `requested`: the end of
   * the range asked for (undefined: the whole blob); fewer bytes than that means the blob ended.
   */
  private recording(key: string, source: Readable, requested: number | undefined): Readable {
    const chunks: Buffer[] = [];
    let length = 0;
    let keep = true;
    const max = this.opts.maxEntryBytes;
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (keep) {
          length += chunk.length;
          if (length > max) {
            keep = false;
            chunks.length = 0;
          } else chunks.push(chunk);
        }
        done(null, chunk);
      },
      flush: (done) => {
        if (keep) this.remember(key, { bytes: Buffer.concat(chunks, length), complete: requested === undefined || length < requested });
        done();
      },
    });
    source.on('error', (err) => tee.destroy(err));
    tee.on('close', () => {
      // the caller went away: let the source (an S3 response) go too
      if (!source.destroyed && !source.readableEnded) source.destroy();
    });
    return source.pipe(tee);
  }

  private remember(key: string, entry: Entry): void {
    const had = this.entries.get(key);
    // a shorter prefix never replaces what is held
    if (had && (had.complete || had.bytes.length >= entry.bytes.length) && !entry.complete) return;
    this.evict(key);
    if (entry.bytes.length > this.opts.maxBytes) return;
    this.entries.set(key, entry);
    this.heldBytes += entry.bytes.length;
    for (const [k, e] of this.entries) {
      if (this.heldBytes <= this.opts.maxBytes) break;
      this.entries.delete(k);
      this.heldBytes -= e.bytes.length;
    }
  }

  private evict(key: string): void {
    const had = this.entries.get(key);
    if (!had) return;
    this.entries.delete(key);
    this.heldBytes -= had.bytes.length;
  }
}
