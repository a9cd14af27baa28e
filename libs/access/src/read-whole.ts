import { addAbortSignal, type Readable } from 'node:stream';
import { readAll, type BlobStore } from '@mail/blob';

/**
 * Reads a blob stream into memory (small bodies only). With a signal, an abort ends the read at
 * once, even while the blob store has not answered yet, and destroys the stream, which frees its
 * connection to the blob store: a read started ahead for a client that has gone away stops there.
 */
export async function readWhole(open: Promise<Readable>, signal?: AbortSignal, maxBytes?: number): Promise<Buffer> {
  if (!signal) return readAll(await open, maxBytes);
  const stream = await untilAborted(open, signal);
  addAbortSignal(signal, stream);
  return readAll(stream, maxBytes);
}

/** Bytes [start, end) of a blob (small ranges only), from memory when the blob store holds them (a cache hit). */
export function readRange(blobs: BlobStore, key: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
  const held = blobs.fromMemory(key, start, end);
  return held ? Promise.resolve(held) : readWhole(blobs.getRange(key, start, end), signal);
}

/** A whole blob (small ones only), from memory when the blob store holds it. */
export function readBlob(blobs: BlobStore, key: string, signal?: AbortSignal): Promise<Buffer> {
  const held = blobs.fromMemory(key);
  return held ? Promise.resolve(held) : readWhole(blobs.get(key), signal);
}

/** the stream, or a rejection as soon as `signal` aborts; a stream that arrives after that is destroyed */
function untilAborted(open: Promise<Readable>, signal: AbortSignal): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    open.then(
      (stream) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) stream.destroy();
        else resolve(stream);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
