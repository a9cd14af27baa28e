import { PassThrough, type Readable } from 'node:stream';
import type { BlobStore, PutOptions } from '@mail/blob';
import type { MessageIndex } from '@mail/contracts';
import { TolerantIndexer } from '@mail/mime';
import { HeaderScanner, type ScannedHeaders } from './header-scanner.js';

export type IntakeResult =
  /**
   * index: the stored blob's MessageIndex, computed on the way (undefined if the scanner failed);
   * deferred: the put's flush is left to the caller (PutResult, ADR 0067)
   */
  | { ok: true; size: number; headers: ScannedHeaders; index?: MessageIndex; deferred?: true }
  | { ok: false; reason: 'too-large'; headers: ScannedHeaders }
  | { ok: false; reason: 'store-failed'; error: unknown; headers: ScannedHeaders };

class TooLarge extends Error {
  constructor() {
    super('message too large');
  }
}

/**
 * Streams a DATA body into the blob store under `key`, behind `prefix` (our trace headers),
 * watching the header block and the size on the way, and indexing the stored bytes (prefix
 * included) as the store would, so that it need not read the blob back (ADR 0007). The source is always read to its end, even
 * after a failure, so the SMTP session can answer; on failure the partial blob is deleted.
 */
export async function receiveIntoBlob(
  source: Readable,
  /** flush: 'with-next-commit' when the caller makes the blob durable before it answers (PutOptions, ADR 0067) */
  opts: { blobs: BlobStore; key: string; prefix: Buffer; maxBytes: number; flush?: PutOptions['flush'] },
): Promise<IntakeResult> {
  const scanner = new HeaderScanner();
  const indexer = new TolerantIndexer();
  indexer.feed(opts.prefix);
  const sink = new PassThrough({ highWaterMark: 256 * 1024 });
  // The sink is destroyed on purpose when the message is too large or the client goes away, maybe
  // before the blob store has attached its own listeners (it may still be opening its file or
  // bucket). The failure is tracked here, so an unlistened 'error' must not crash the process.
  sink.on('error', () => undefined);
  let bodyBytes = 0;
  let failure: 'too-large' | 'store-failed' | undefined;
  let storeError: unknown;

  const stored = opts.blobs.put(opts.key, sink, opts.flush ? { flush: opts.flush } : undefined).then(
    (r) => r,
    (err) => {
      if (!failure) {
        failure = 'store-failed';
        storeError = err;
      }
      source.resume();
      return undefined;
    },
  );

  const drained = new Promise<void>((resolve) => {
    const fail = (why: 'too-large') => {
      failure ??= why;
      sink.destroy(new TooLarge());
      source.resume();
    };
    sink.on('drain', () => source.resume());
    source.on('data', (chunk: Buffer) => {
      if (failure) return;
      bodyBytes += chunk.length;
      if (bodyBytes > opts.maxBytes) return fail('too-large');
      scanner.feed(chunk);
      indexer.feed(chunk);
      if (!sink.write(chunk)) source.pause();
    });
    let ended = false;
    source.once('end', () => {
      ended = true;
      if (!failure) sink.end();
      resolve();
    });
    source.once('close', () => {
      if (ended) return;
      // the client went away mid-message
      failure ??= 'store-failed';
      sink.destroy(new Error('connection closed during DATA'));
      resolve();
    });
    source.once('error', (err) => {
      failure ??= 'store-failed';
      storeError ??= err;
      sink.destroy(err);
      resolve();
    });
    sink.write(opts.prefix);
  });

  await drained;
  const put = await stored;
  const headers = scanner.result();
  if (failure || !put) {
    await opts.blobs.delete(opts.key).catch(() => undefined);
    return failure === 'too-large' ? { ok: false, reason: 'too-large', headers } : { ok: false, reason: 'store-failed', error: storeError, headers };
  }
  return { ok: true, size: put.size, headers, index: indexer.end(), ...(put.deferred ? { deferred: true as const } : {}) };
}

