import { PassThrough, Readable } from 'node:stream';
import type { BlobStore } from '@mail/blob';

/** The body as it was received, to be read once into the blob store behind the verdict's header. */
export interface HeldBody {
  size: number;
  /** where it is: in memory, or spooled to the blob store */
  where: 'memory' | 'spool';
  read(): Promise<Readable>;
  /** drops the spool blob, if any; safe to call more than once */
  release(): Promise<void>;
}

export type HoldResult<T> =
  | { ok: true; verdict: T; body: HeldBody }
  | { ok: false; reason: 'too-large' }
  | { ok: false; reason: 'store-failed'; error: unknown };

export interface HoldOptions<T> {
  blobs: BlobStore;
  /** where a body larger than `holdBytes` is spooled (deleted by release()) */
  spoolKey: string;
  /** bodies up to this size stay in memory (default 256 KiB: what the intake's stream buffer held already) */
  holdBytes?: number;
  maxBytes: number;
  /** reads the body as it arrives and decides on it; its promise must not reject */
  verify: (body: Readable) => Promise<T>;
}

/**
 * Our verdict on a message (its `Authentication-Results`) has to go above the body in the stored
 * blob, but is known only once the body is in. So the body is verified as it arrives while it is
 * kept aside: in memory when small (nearly all mail), else spooled to the blob store, never whole
 * in memory. The caller then writes the final blob (trace headers, verdict, body) from what is held.
 * The source is always read to its end, so that the SMTP session can answer.
 */
export async function holdWhileVerifying<T>(source: Readable, opts: HoldOptions<T>): Promise<HoldResult<T>> {
  const holdBytes = opts.holdBytes ?? 256 * 1024;
  const verifyInput = new PassThrough({ highWaterMark: 256 * 1024 });
  const verdict = opts.verify(verifyInput);
  let held: Buffer[] = [];
  let size = 0;
  let spool: PassThrough | undefined;
  let spooled: Promise<unknown> | undefined;
  let failure: { reason: 'too-large' } | { reason: 'store-failed'; error: unknown } | undefined;
  // the source pauses while either sink is full and resumes when both have room
  let waiting = 0;
  const wait = (sink: PassThrough) => {
    waiting++;
    source.pause();
    sink.once('drain', () => {
      if (--waiting === 0) source.resume();
    });
  };
  const fail = (f: NonNullable<typeof failure>) => {
    failure ??= f;
    held = [];
    verifyInput.end();
    spool?.destroy();
    waiting = 0;
    source.resume();
  };

  await new Promise<void>((resolve) => {
    source.on('data', (chunk: Buffer) => {
      if (failure) return;
      size += chunk.length;
      if (size > opts.maxBytes) return fail({ reason: 'too-large' });
      if (!verifyInput.write(chunk)) wait(verifyInput);
      if (spool) {
        if (!spool.write(chunk)) wait(spool);
        return;
      }
      held.push(chunk);
      if (size <= holdBytes) return;
      spool = new PassThrough({ highWaterMark: 256 * 1024 });
      spool.on('error', () => undefined); // destroyed on purpose on failure; the put reports it
      spooled = opts.blobs.put(opts.spoolKey, spool).catch((error) => fail({ reason: 'store-failed', error }));
      for (const part of held) spool.write(part);
      held = [];
      if (spool.writableNeedDrain) wait(spool);
    });
    let ended = false;
    source.once('end', () => {
      ended = true;
      verifyInput.end();
      spool?.end();
      resolve();
    });
    source.once('close', () => {
      if (!ended) fail({ reason: 'store-failed', error: new Error('connection closed during DATA') });
      resolve();
    });
    source.once('error', (error) => {
      fail({ reason: 'store-failed', error });
      resolve();
    });
  });

  await spooled;
  const release = async () => {
    if (spool) await opts.blobs.delete(opts.spoolKey).catch(() => undefined);
  };
  if (failure) {
    await release();
    return { ok: false, ...failure } as HoldResult<T>;
  }
  const result = await verdict;
  const parts = held;
  const body: HeldBody = spool
    ? { size, where: 'spool', read: () => opts.blobs.get(opts.spoolKey), release }
    : { size, where: 'memory', read: async () => Readable.from(parts), release };
  return { ok: true, verdict: result, body };
}
