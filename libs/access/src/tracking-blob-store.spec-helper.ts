import type { Readable } from 'node:stream';
import { BlobNotFoundError } from '@mail/blob';
import { MemoryBlobStore } from './pop3/pop3-fakes.spec-helper.js';

/**
 * A memory blob store that shows what read-ahead does to it: reads in flight (from the request to
 * the stream's end), the most at once, streams left open, and reads that can be held until the
 * test releases them (a slow S3) or made to fail (a lost blob).
 */
export class TrackingBlobStore extends MemoryBlobStore {
  reads = 0;
  /** streams destroyed before their end: reads given up on */
  aborted = 0;
  inFlight = 0;
  peak = 0;
  readonly failing = new Set<string>();
  /** milliseconds every read takes; with `jitter`, between delayMs and delayMs + jitter, so reads finish out of order */
  delayMs = 0;
  jitter = 0;
  private held: (() => void)[] | null = null;

  /** forgets what was read so far (filling the mailbox reads too) */
  resetCounts(): void {
    this.reads = 0;
    this.aborted = 0;
    this.peak = this.inFlight;
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const go of waiting) go();
  }

  override async getRange(key: string, start: number, end: number): Promise<Readable> {
    this.reads++;
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      if (this.held) await new Promise<void>((go) => this.held!.push(go));
      const ms = this.delayMs + Math.random() * this.jitter;
      if (ms) await new Promise((r) => setTimeout(r, ms));
      if (this.failing.has(key)) throw new BlobNotFoundError(key);
      const stream = await super.getRange(key, start, end);
      // a read is over when its last byte is taken ('end'), or when it is given up ('close' before that)
      let over = false;
      const done = (aborted: boolean) => {
        if (over) return;
        over = true;
        this.inFlight--;
        if (aborted) this.aborted++;
      };
      stream.once('end', () => done(false));
      // counted when destroy() is called, not at its 'close' a tick later: the reader has let go by then
      const destroy = stream.destroy.bind(stream);
      stream.destroy = (err?: Error) => {
        done(!stream.readableEnded);
        return destroy(err);
      };
      stream.once('close', () => done(!stream.readableEnded));
      return stream;
    } catch (err) {
      this.inFlight--;
      throw err;
    }
  }

  /** resolves once every stream handed out has ended or been destroyed */
  async settled(timeoutMs = 2000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight > 0) {
      if (Date.now() > until) throw new Error(`${this.inFlight} blob reads still open`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
