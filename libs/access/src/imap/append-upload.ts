import { PassThrough } from 'node:stream';
import { newBlobKey, readAll, type BlobStore, type PutOptions, type PutResult } from '@mail/blob';
import { encodeCarriedIndex } from '@mail/contracts';
import type { AppendHeader } from '@mail/imap-protocol';
import { reencodeNulParts, TolerantIndexer } from '@mail/mime';
import { no, ReplyError } from './reply.js';

/**
 * How an APPEND's body is put: when the append commits on the body's database (ADR 0063), a small
 * body is held and written by the append's own statement (ADR 0073: one round trip); else durable
 * at once.
 */
export function appendPutOptions(store: { readonly appendsCommitWithBodies: boolean }): PutOptions {
  return store.appendsCommitWithBodies ? { flush: 'by-caller' } : {};
}

/** An APPEND's body in the blob store, as the append request names it. */
export interface StoredBody {
  key: string;
  size: number;
  index?: string;
  /** the put answered `deferred`: the append must check that its commit covers the body (ADR 0073) */
  bodyUnflushed?: true;
  /** the put held the body (`flush: 'by-caller'`): the append's statement writes it (ADR 0073) */
  inlineBody?: Buffer;
}

function unflushed(put: PutResult): { bodyUnflushed?: true; inlineBody?: Buffer } {
  if (put.held) return { inlineBody: put.held };
  return put.deferred ? { bodyUnflushed: true } : {};
}

/**
 * A held body written to the blob store now, its flush left to the append (which checks that it
 * covers it): for the earlier messages of a MULTIAPPEND, so that up to 1,000 of them are not held
 * in memory until the last one arrives.
 */
export async function releaseHeld(blobs: BlobStore, stored: StoredBody): Promise<StoredBody> {
  if (!stored.inlineBody) return stored;
  const { inlineBody, ...rest } = stored;
  const put = await blobs.put(stored.key, inlineBody, { flush: 'with-next-commit' });
  return { ...rest, ...unflushed(put) };
}

/**
 * One APPEND literal on its way into the blob store. Bytes are written as they arrive, with
 * backpressure (the session stops reading the socket while the store is slower), so a 64 MiB
 * message never sits in memory whole. They are indexed on the way, so that the store need not read
 * the blob back (ADR 0007).
 */
export class AppendUpload {
  /** where the message is stored; a new key when the message had to be re-encoded */
  key = newBlobKey();
  /** when the APPEND's header was read (performance.now()), for its latency */
  readonly started = performance.now();
  private readonly pass = new PassThrough({ highWaterMark: 256 * 1024 });
  private readonly put: Promise<PutResult>;
  private failure: unknown = null;
  private readonly indexer = new TolerantIndexer();
  /** a NUL byte came: the message is re-encoded before it is appended (ADR 0055) */
  private sawNul = false;
  received = 0;

  /**
   * `putOptions.flush: 'with-next-commit'` when the append commits on the database that holds the
   * body (ADR 0063): the body's row then needs no WAL flush of its own when the append sees it (ADR 0073)
   */
  constructor(
    readonly header: AppendHeader,
    private readonly blobs: BlobStore,
    private readonly putOptions: PutOptions = {},
  ) {
    this.put = blobs.put(this.key, this.pass, putOptions);
    this.put.catch((err: unknown) => {
      this.failure = err;
      // keep draining what the client still sends, into nowhere
      this.pass.resume();
    });
  }

  async write(data: Buffer): Promise<void> {
    this.received += data.length;
    if (!this.sawNul && data.includes(0)) this.sawNul = true;
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

  /**
   * Resolves when the blob is durable, or committed with `bodyUnflushed` (its flush left to the
   * append, which checks that it covers it), or held in `inlineBody` for the append's statement to
   * write (ADR 0073), with its index when it could be carried;
   * rejects if the store failed, or with `NO [UNKNOWN-CTE]` for NUL bytes no transfer encoding can carry.
   */
  async finish(): Promise<StoredBody> {
    this.pass.end();
    const put = await this.put;
    if (this.sawNul) return this.withoutNul(put.size);
    const index = this.indexer.end();
    return { key: this.key, size: put.size, index: index && encodeCarriedIndex(index), ...unflushed(put) };
  }

  /**
   * IMAP never sends NUL outside a BINARY literal8 (RFC 9051 4.3), so a message that came with
   * NUL bytes (a literal8 of RFC 3516, or a plain literal that broke the rule) is stored with
   * those parts re-encoded as base64, as Dovecot does; rare, so it is read back whole here rather
   * than rewritten in the stream.
   */
  private async withoutNul(size: number): Promise<StoredBody> {
    const put = await this.put;
    const result = reencodeNulParts(put.held ?? (await readAll(await this.blobs.get(this.key), size + 1)));
    if (result.kind === 'unfixable') throw new ReplyError(no(`Cannot store NUL bytes here: ${result.reason}`, 'UNKNOWN-CTE'));
    if (result.kind === 'unchanged') return { key: this.key, size, ...unflushed(put) };
    const original = this.key;
    this.key = newBlobKey();
    const stored = await this.blobs.put(this.key, result.bytes, this.putOptions);
    if (!put.held) await this.blobs.delete(original).catch(() => undefined);
    const indexer = new TolerantIndexer();
    indexer.feed(result.bytes);
    const index = indexer.end();
    return { key: this.key, size: stored.size, index: index && encodeCarriedIndex(index), ...unflushed(stored) };
  }

  /** gives up: the blob (or what exists of it) is removed */
  async abort(): Promise<void> {
    this.pass.destroy();
    await this.put.catch(() => undefined);
    await this.blobs.delete(this.key).catch(() => undefined);
  }
}
